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
  local time_text
  if type(event_time) == "string" then
    local micros = parse_timestamp(event_time, zone)
    if micros then time_text = format_timestamp(micros, zone) end
  end
  -- One constructor, which sizes the table for its four fields (a nil one is
  -- not stored): filling an empty table grows it three times.
  return encode({
    event_identifier = type(event_id) == "string" and event_id or nil,
    visit_identifier = integer_type(visit_id) == "integer" and visit_id or nil,
    event_time = time_text,
    visited_page = type(page) == "string" and page or nil,
  }, order)
end
