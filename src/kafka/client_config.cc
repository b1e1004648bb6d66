#include "kafka/client_config.h"

#include <librdkafka/rdkafka.h>
#include <toml++/toml.h>

#include <filesystem>

#include "common/log.h"
#include "common/toml_file.h"

namespace rp::kafka {

ClientConfig::ClientConfig() { props_["bootstrap.servers"] = "localhost:9092"; }

bool ClientConfig::IsSecret(std::string_view key) {
  // sasl.oauthbearer.config can carry credentials (librdkafka marks it sensitive).
  for (std::string_view word :
       {"password", "secret", "key.pem", "private", "token", "jaas", "oauthbearer.config"}) {
    if (key.find(word) != std::string_view::npos) return true;
  }
  return false;
}

Status ClientConfig::SetFromAssignment(std::string_view assignment) {
  auto eq = assignment.find('=');
  // Without a property name, the text is a bare value, which may be a secret.
  if (eq == 0) return Status::InvalidArgument("-X expects prop=value, got no property name before '='");
  if (eq == std::string_view::npos) {
    return Status::InvalidArgument("-X expects prop=value, got '" +
                                   std::string(IsSecret(assignment) ? "<redacted>" : assignment) + "'");
  }
  Set(std::string(assignment.substr(0, eq)), std::string(assignment.substr(eq + 1)));
  return Status::OK();
}

std::optional<std::string> ClientConfig::Get(const std::string& key) const {
  auto it = props_.find(key);
  if (it == props_.end()) return std::nullopt;
  return it->second;
}

Result<ClientConfig> ClientConfig::FromTomlFile(const std::string& path) {
  RP_ASSIGN_OR_RETURN(toml::table doc, ParseTomlFile(path));
  ClientConfig config;
  for (const auto& [key, node] : doc) {
    if (key == "brokers") {
      auto v = node.value<std::string>();
      if (!v) return Status::InvalidArgument("config " + path + ": 'brokers' must be a string");
      config.Set("bootstrap.servers", *v);
    } else if (key == "kafka") {
      const toml::table* kafka = node.as_table();
      if (!kafka) return Status::InvalidArgument("config " + path + ": [kafka] must be a table");
      for (const auto& [prop, value] : *kafka) {
        std::optional<std::string> text = TomlScalarText(value);
        if (!text && value.is_table()) {
          // `sasl.password = "…"` is a nested table in TOML: property names need quotes.
          return Status::InvalidArgument("config " + path + ": kafka." + std::string(prop.str()) +
                                         " is a table; quote property names with dots, e.g. \"" +
                                         std::string(prop.str()) + ".x\" = ...");
        }
        if (!text) {
          return Status::InvalidArgument("config " + path + ": kafka." + std::string(prop.str()) +
                                         " must be a string, integer or boolean");
        }
        config.Set(std::string(prop.str()), *text);
      }
    } else if (!node.is_table()) {
      return Status::InvalidArgument("config " + path + ": unknown key '" + std::string(key.str()) + "'");
    }
  }
  return config;
}

namespace {

// A librdkafka (syslog) level as ours: emerg, alert and crit are errors;
// err is a warning, because librdkafka reports transient broker failures
// (connection refused, a timed-out request) at err and retries them, while
// what ends a job reaches it as an error event or a failed call instead;
// warning is a warning, notice and info are info, debug is debug.
LogLevel FromSyslogLevel(int level) {
  return level <= 2   ? LogLevel::kError
         : level <= 4 ? LogLevel::kWarn
         : level <= 6 ? LogLevel::kInfo
                      : LogLevel::kDebug;
}

// The inverse, for librdkafka's log_level: it then formats no line we would drop.
int SyslogLevelFor(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return 7;
    case LogLevel::kInfo:
      return 6;
    case LogLevel::kWarn:
      return 4;
    case LogLevel::kError:
      return 2;
    case LogLevel::kOff:
      break;
  }
  return 0;
}

// librdkafka's own log lines (connection retries, broker state) go through our
// logger, so --log-level and --log-format apply to them too.
void ForwardLog(const rd_kafka_t*, int level, const char* facility, const char* message) {
  Log(FromSyslogLevel(level), "kafka", "{}: {}", facility, message);
}

std::string ConfValue(const rd_kafka_conf_t* conf, const char* name) {
  char value[256];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return {};
  return value;
}

// OAUTHBEARER needs something to make tokens: librdkafka's OIDC client, or
// its unsecured tokens (tests, local brokers). This binary has no token
// refresh callback of its own, so with neither librdkafka would only retry
// the login in silence and report a transport failure 30 s later.
Status CheckOauthbearerTokenSource(const rd_kafka_conf_t* conf) {
  if (ConfValue(conf, "sasl.mechanisms") != "OAUTHBEARER") return Status::OK();
  if (ConfValue(conf, "sasl.oauthbearer.method") == "oidc") return Status::OK();
  if (ConfValue(conf, "enable.sasl.oauthbearer.unsecure.jwt") == "true") return Status::OK();
  return Status::InvalidArgument(
      "sasl.mechanisms=OAUTHBEARER needs a token source: sasl.oauthbearer.method=oidc (with "
      "sasl.oauthbearer.token.endpoint.url, sasl.oauthbearer.client.id and sasl.oauthbearer.client.secret), "
      "or enable.sasl.oauthbearer.unsecure.jwt=true for unsecured test tokens");
}

}  // namespace

Result<rd_kafka_conf_s*> ClientConfig::BuildRdKafkaConf() const {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &ForwardLog);
  char err[512];
  // From the level in force when the client is configured (commands set it
  // first); an explicit -X log_level, applied below, wins.
  rd_kafka_conf_set(conf, "log_level", std::to_string(SyslogLevelFor(GetLogLevel())).c_str(), err,
                    sizeof err);
  for (const auto& [key, value] : props_) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      std::string msg = "Kafka property '" + key + "': ";
      // librdkafka's message may quote the value; never echo a secret.
      msg += IsSecret(key) ? std::string("invalid value") : std::string(err);
      return Status::InvalidArgument(msg);
    }
  }
  Status tokens = CheckOauthbearerTokenSource(conf);
  if (!tokens.ok()) {
    rd_kafka_conf_destroy(conf);
    return tokens;
  }
  return conf;
}

}  // namespace rp::kafka
