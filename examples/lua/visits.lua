-- The seed's visits logic written in Lua: rename the fields, read event_time
-- with Spark's CAST(string AS TIMESTAMP) rules and write it as Spark's to_json
-- does, and leave out what is missing. On the seed records its output is the
-- built-in `visits` logic's, byte for byte (tests/logic/lua_logic_test.cc).
-- It is simpler than the built-in one on odd input (a non-string page is left
-- out rather than written as JSON text; duplicate keys keep the last).
--
--   reprocessor transform --logic lua:examples/lua/visits.lua --timezone Europe/Paris < input.jsonl
--   reprocessor stream --logic lua:examples/lua/visits.lua --logic-option timezone=UTC ...

local zone = options.timezone  -- nil: the command's --timezone (else the machine's zone)
local order = {"event_identifier", "visit_identifier", "event_time", "visited_page"}
-- Locals are faster than globals in Lua: look the helpers up once.
local type, integer_type, error = type, math.type, error
local decode, encode = json.decode, json.encode
local parse_timestamp, format_timestamp = spark.parse_timestamp, spark.format_timestamp

function transform(record)
  local value = record.value
  if value == nil then error("tombstone (null value)") end
  local v = decode(value)  -- not JSON: raises, and the record is dead-lettered
  if type(v) ~= "table" then error("not a JSON object") end
  local event_id, visit_id, event_time, page = v.event_id, v.visit_id, v.event_time, v.page
  local out = {}
  if type(event_id) == "string" then out.event_identifier = event_id end
  if integer_type(visit_id) == "integer" then out.visit_identifier = visit_id end
  if type(event_time) == "string" then
    local micros = parse_timestamp(event_time, zone)
    if micros then out.event_time = format_timestamp(micros, zone) end
  end
  if type(page) == "string" then out.visited_page = page end
  return encode(out, order)
end
