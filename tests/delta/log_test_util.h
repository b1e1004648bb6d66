// Shared fixtures for the Delta log tests.
#pragma once

#include <arrow/api.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "delta/actions.h"

namespace rp::delta::testing {

// A fresh directory, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rp-deltalog-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::shared_ptr<arrow::Schema> KafkaSchema() {
  return arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("partition", arrow::int32()),
                        arrow::field("offset", arrow::int64()), arrow::field("year", arrow::int32())});
}

inline AddFile MakeAdd(const std::string& name, const std::string& year, int64_t size) {
  AddFile a;
  a.path = "year=" + year + "/" + name;
  a.partition_values["year"] = year;
  a.size = size;
  a.modification_time = 1700000000000 + size;
  a.stats = "{\"numRecords\":" + std::to_string(size % 7 + 1) + "}";
  return a;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline bool SameAdd(const AddFile& a, const AddFile& b) {
  return a.path == b.path && a.partition_values == b.partition_values && a.size == b.size &&
         a.modification_time == b.modification_time && a.data_change == b.data_change && a.stats == b.stats &&
         a.tags == b.tags;
}

}  // namespace rp::delta::testing
