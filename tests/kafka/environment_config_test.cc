// REPROCESSOR_KAFKA_* variables become librdkafka properties (how the
// deployment examples pass secrets), over the config file's values.
#include "kafka/environment_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace rp::kafka {
namespace {

// Sets a variable for one test and removes it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(KafkaEnvironment, AVariableSetsThePropertyItNamesOverTheFilesValue) {
  ScopedEnv password("REPROCESSOR_KAFKA_SASL_PASSWORD", "s3cret=with=equals");
  ScopedEnv servers("REPROCESSOR_KAFKA_BOOTSTRAP_SERVERS", "broker-1:9093");
  ScopedEnv unrelated("KAFKA_SASL_USERNAME", "not ours");
  ClientConfig config;
  config.Set("sasl.password", "from the file");
  ASSERT_TRUE(ApplyEnvironment(&config).ok());
  EXPECT_EQ(config.Get("sasl.password"), "s3cret=with=equals");
  EXPECT_EQ(config.Get("bootstrap.servers"), "broker-1:9093");
  EXPECT_EQ(config.Get("sasl.username"), std::nullopt);
}

TEST(KafkaEnvironment, AnUnknownPropertyIsRefusedWhenTheConfigIsBuiltWithoutEchoingASecret) {
  ScopedEnv typo("REPROCESSOR_KAFKA_SASL_PASWORD_SECRET", "hunter2");
  ClientConfig config;
  ASSERT_TRUE(ApplyEnvironment(&config).ok());
  auto built = config.BuildRdKafkaConf();
  ASSERT_FALSE(built.ok());
  EXPECT_TRUE(built.status().IsInvalidArgument());
  EXPECT_NE(built.status().message().find("sasl.pasword.secret"), std::string::npos)
      << built.status().ToString();
  EXPECT_EQ(built.status().message().find("hunter2"), std::string::npos) << built.status().ToString();
}

TEST(KafkaEnvironment, ThePrefixAloneIsAnError) {
  ScopedEnv bare("REPROCESSOR_KAFKA_", "x");
  ClientConfig config;
  Status s = ApplyEnvironment(&config);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

}  // namespace
}  // namespace rp::kafka
