// `reprocessor transform --records`: whole records (key, value, headers,
// partition) in and out as JSON lines, binary bytes as base64, for any logic.
#include <gtest/gtest.h>

#include <fstream>

#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::ReprocessorBinary;
using testing::RunProcess;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

TEST(TransformRecords, ALuaLogicSeesKeysHeadersAndPartitionsAndBinaryBytesRoundTrip) {
  testing::TempDir dir;
  const std::string script = dir.path() + "/logic.lua";
  std::ofstream(script) << R"lua(
function transform(r)
  if r.key == nil then return nil end
  if r.key == 'bad' then error('bad key') end
  local headers = r.headers
  headers[#headers + 1] = {name = 'p', value = tostring(r.partition) .. '/' .. r.offset .. '/' .. r.timestamp}
  return {key = r.key .. '!', headers = headers}
end
)lua";
  const std::string input =
      R"({"value":"v","key":"k","headers":[["h","t"],["bin",{"base64":"/wA="}],["none",null]],"partition":2,"offset":9,"timestamp":5})"
      "\n"
      R"({"value":{"base64":"/w=="},"key":"z"})"
      "\n"
      R"({"value":"x"})"
      "\n"
      R"({"value":"x","key":"bad"})"
      "\n"
      "not a record\n";
  auto r = RunProcess({ReprocessorBinary(), "transform", "--records", "--logic", "lua:" + script}, input);
  EXPECT_EQ(r.exit_code, 3) << r.err;  // one rejection, one bad line
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0],
            R"({"partition":2,"offset":9,"outcome":"output","value":"v","key":"k!","headers":[["h","t"],["bin",{"base64":"/wA="}],["none",null],["p","2/9/5"]]})");
  EXPECT_EQ(lines[1],
            R"({"partition":0,"offset":1,"outcome":"output","value":{"base64":"/w=="},"key":"z!","headers":[["p","0/1/-1"]]})");
  EXPECT_EQ(lines[2], R"({"partition":0,"offset":2,"outcome":"filtered"})");
  EXPECT_EQ(lines[3].rfind(R"({"partition":0,"offset":3,"outcome":"rejected","reason":"script_error","detail":")", 0),
            0u)
      << lines[3];
  EXPECT_NE(lines[3].find("bad key"), std::string::npos);
  EXPECT_NE(r.err.find("ERROR 5 bad_record: not JSON"), std::string::npos) << r.err;
}

TEST(TransformRecords, TheVisitsLogicKeepsTheKeyAndAddsNoHeaders) {
  auto r = RunProcess(
      {ReprocessorBinary(), "transform", "--records", "--timezone", "UTC"},
      R"({"value":"{\"event_id\":\"e\",\"visit_id\":1}","key":"k","headers":[["h","t"]],"partition":1,"offset":4})"
      "\n"
      R"({"value":null,"partition":1,"offset":5})"
      "\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0],
            R"({"partition":1,"offset":4,"outcome":"output","value":"{\"event_identifier\":\"e\",\"visit_identifier\":1}","key":"k","headers":[]})");
  EXPECT_EQ(lines[1],
            R"j({"partition":1,"offset":5,"outcome":"rejected","reason":"empty_value","detail":"tombstone (null value)"})j");
}

TEST(TransformRecords, MalformedFieldsAreReportedPerLine) {
  auto r = RunProcess({ReprocessorBinary(), "transform", "--records", "--timezone", "UTC"},
                      "[1]\n{\"value\":{\"base64\":\"***\"}}\n{\"headers\":[\"h\"]}\n{\"partition\":\"x\"}\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("ERROR 1 bad_record: not a JSON object"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ERROR 2 bad_record: value: invalid base64"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ERROR 3 bad_record: headers must be"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ERROR 4 bad_record: partition must be an integer"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rp
