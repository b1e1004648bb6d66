#include "kafka/client_config.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <fstream>
#include <utility>
#include <vector>

#include "support/process.h"

namespace rp::kafka {
namespace {

TEST(ClientConfig, DefaultsToTheLocalBroker) {
  EXPECT_EQ(ClientConfig().Get("bootstrap.servers"), "localhost:9092");
}

TEST(ClientConfig, TomlFileSetsBrokersAndLibrdkafkaProperties) {
  rp::testing::TempDir dir;
  std::string path = dir.path() + "/c.toml";
  std::ofstream(path) << "brokers = \"10.0.0.1:9093\"\n[kafka]\n\"socket.timeout.ms\" = 1234\n"
                         "\"enable.ssl.certificate.verification\" = false\n\"client.id\" = \"rp\"\n";
  auto config = ClientConfig::FromTomlFile(path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->Get("bootstrap.servers"), "10.0.0.1:9093");
  EXPECT_EQ(config->Get("socket.timeout.ms"), "1234");
  EXPECT_EQ(config->Get("enable.ssl.certificate.verification"), "false");
  EXPECT_EQ(config->Get("client.id"), "rp");
}

TEST(ClientConfig, FlagsOverrideTheFile) {
  ClientConfig config;
  config.Set("client.id", "from-file");
  ASSERT_TRUE(config.SetFromAssignment("client.id=from-flag").ok());
  EXPECT_EQ(config.Get("client.id"), "from-flag");
}

TEST(ClientConfig, ValueMayContainEqualsSigns) {
  ClientConfig config;
  ASSERT_TRUE(config.SetFromAssignment("sasl.jaas.config=a=b=c").ok());
  EXPECT_EQ(config.Get("sasl.jaas.config"), "a=b=c");
}

TEST(ClientConfig, UnknownPropertyIsRejectedByName) {
  ClientConfig config;
  config.Set("not.a.property", "1");
  auto conf = config.BuildRdKafkaConf();
  ASSERT_FALSE(conf.ok());
  EXPECT_TRUE(conf.status().IsInvalidArgument());
  EXPECT_NE(conf.status().message().find("not.a.property"), std::string::npos);
}

TEST(ClientConfig, OauthbearerWithoutATokenSourceIsAConfigError) {
  ClientConfig config;
  config.Set("security.protocol", "SASL_SSL");
  config.Set("sasl.mechanisms", "OAUTHBEARER");
  auto conf = config.BuildRdKafkaConf();
  ASSERT_FALSE(conf.ok());
  EXPECT_TRUE(conf.status().IsInvalidArgument());
  EXPECT_NE(conf.status().message().find("needs a token source"), std::string::npos) << conf.status().message();
}

TEST(ClientConfig, OauthbearerWithOidcOrUnsecuredTokensIsAccepted) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"sasl.oauthbearer.method", "oidc"}, {"enable.sasl.oauthbearer.unsecure.jwt", "true"}}) {
    ClientConfig config;
    config.Set("sasl.mechanism", "OAUTHBEARER");  // the singular alias counts too
    config.Set(name, value);
    if (value == "oidc") {
      config.Set("sasl.oauthbearer.token.endpoint.url", "https://idp.example/token");
      config.Set("sasl.oauthbearer.client.id", "id");
      config.Set("sasl.oauthbearer.client.secret", "secret");
    }
    auto conf = config.BuildRdKafkaConf();
    ASSERT_TRUE(conf.ok()) << name << ": " << conf.status().ToString();
    rd_kafka_conf_destroy(*conf);
  }
}

TEST(ClientConfig, UnknownTopLevelKeyInFileIsAnError) {
  rp::testing::TempDir dir;
  std::string path = dir.path() + "/c.toml";
  std::ofstream(path) << "brokerz = \"x\"\n";
  auto config = ClientConfig::FromTomlFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("brokerz"), std::string::npos);
}

TEST(ClientConfig, SecretKeysAreRecognised) {
  EXPECT_TRUE(ClientConfig::IsSecret("sasl.password"));
  EXPECT_TRUE(ClientConfig::IsSecret("ssl.key.password"));
  EXPECT_FALSE(ClientConfig::IsSecret("bootstrap.servers"));
}

}  // namespace
}  // namespace rp::kafka
