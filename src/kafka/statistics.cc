#include "kafka/statistics.h"

#include <cctype>
#include <charconv>
#include <string>

namespace rp::kafka {

int64_t SumStatistic(std::string_view json, std::string_view name) {
  const std::string key = "\"" + std::string(name) + "\"";
  int64_t sum = 0;
  for (size_t at = json.find(key); at != std::string_view::npos; at = json.find(key, at + key.size())) {
    size_t i = at + key.size();
    while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) ++i;
    if (i >= json.size() || json[i] != ':') continue;  // the name as a value, not a key
    ++i;
    while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) ++i;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(json.data() + i, json.data() + json.size(), value);
    if (ec == std::errc()) sum += value;
  }
  return sum;
}

}  // namespace rp::kafka
