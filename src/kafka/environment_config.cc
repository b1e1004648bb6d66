#include "kafka/environment_config.h"

#include <unistd.h>

#include <cctype>
#include <cstring>
#include <string>

namespace rp::kafka {

Status ApplyEnvironment(ClientConfig* config) {
  const size_t prefix_len = std::strlen(kKafkaEnvPrefix);
  for (char** env = environ; *env != nullptr; ++env) {
    const char* entry = *env;
    if (std::strncmp(entry, kKafkaEnvPrefix, prefix_len) != 0) continue;
    const char* eq = std::strchr(entry, '=');
    if (eq == nullptr) continue;
    std::string name(entry + prefix_len, eq);
    if (name.empty()) {
      return Status::InvalidArgument(std::string("environment variable ") + kKafkaEnvPrefix +
                                     " names no property (" + kKafkaEnvPrefix +
                                     "SASL_PASSWORD sets sasl.password)");
    }
    for (char& c : name) c = c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    config->Set(std::move(name), std::string(eq + 1));
  }
  return Status::OK();
}

}  // namespace rp::kafka
