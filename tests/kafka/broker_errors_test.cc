// Which of librdkafka's error reports end a wait at once (a refused login, a
// failed TLS handshake) and which are retried (the broker is just not there).
#include "kafka/broker_errors.h"

#include <gtest/gtest.h>

#include <chrono>

#include "kafka/client_config.h"
#include "kafka/handle.h"

namespace rp::kafka {
namespace {

TEST(BrokerErrors, AnAuthenticationErrorIsARefusalWithLibrdkafkasReason) {
  BrokerErrors errors;
  EXPECT_TRUE(errors.refused().ok());
  EXPECT_TRUE(
      errors.Record(RD_KAFKA_RESP_ERR__AUTHENTICATION,
                    "sasl_ssl://127.0.0.1:9093/bootstrap: SASL authentication error: invalid credentials"));
  EXPECT_TRUE(errors.has_refusal());
  EXPECT_EQ(errors.refused().code(), Status::Code::kIOError);
  EXPECT_EQ(errors.refused().message(),
            "authentication failed: sasl_ssl://127.0.0.1:9093/bootstrap: SASL authentication error: invalid "
            "credentials");
}

TEST(BrokerErrors, AFailedTlsHandshakeIsARefusalEvenWhenReportedAsATransportError) {
  BrokerErrors errors;
  EXPECT_TRUE(
      errors.Record(RD_KAFKA_RESP_ERR__TRANSPORT, "ssl://h:1/bootstrap: SSL handshake failed: bad cert"));
  EXPECT_EQ(errors.refused().message(),
            "TLS connection failed: ssl://h:1/bootstrap: SSL handshake failed: bad cert");
  BrokerErrors ssl;
  EXPECT_TRUE(ssl.Record(RD_KAFKA_RESP_ERR__SSL, "certificate verify failed"));
  EXPECT_FALSE(ssl.refused().ok());
}

TEST(BrokerErrors, AnUnreachableBrokerIsNoRefusalButIsKeptToExplainATimeout) {
  BrokerErrors errors;
  EXPECT_FALSE(errors.Record(RD_KAFKA_RESP_ERR__TRANSPORT, "127.0.0.1:1/bootstrap: Connection refused"));
  EXPECT_FALSE(errors.Record(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down"));
  EXPECT_FALSE(errors.has_refusal());
  EXPECT_TRUE(errors.refused().ok());
  EXPECT_EQ(errors.last(), "127.0.0.1:1/bootstrap: Connection refused");  // "all down" says less
}

TEST(BrokerErrors, TheFirstRefusalIsTheOneReported) {
  BrokerErrors errors;
  errors.Record(RD_KAFKA_RESP_ERR__AUTHENTICATION, "first");
  errors.Record(RD_KAFKA_RESP_ERR__AUTHENTICATION, "second");
  EXPECT_EQ(errors.refused().message(), "authentication failed: first");
}

// Nothing listens on the bootstrap address: no refusal comes, so the wait
// runs to its timeout and says what the broker errors were.
TEST(BrokerErrors, WithoutARefusalTopicPartitionsWaitsOutItsTimeout) {
  ClientConfig config;
  config.Set("bootstrap.servers", "127.0.0.1:1");
  auto conf = config.BuildRdKafkaConf();
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  BrokerErrors errors;
  rd_kafka_conf_set_opaque(*conf, &errors);
  rd_kafka_conf_set_error_cb(*conf, [](rd_kafka_t*, int err, const char* reason, void* opaque) {
    static_cast<BrokerErrors*>(opaque)->Record(err, reason);
  });
  char err[256];
  HandlePtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err, sizeof err));
  ASSERT_TRUE(rk) << err;
  const auto t0 = std::chrono::steady_clock::now();
  auto partitions = TopicPartitionsOnceConnected(rk.get(), "t", std::chrono::milliseconds(1500), errors);
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(partitions.ok());
  EXPECT_FALSE(errors.has_refusal());
  EXPECT_GE(waited, std::chrono::milliseconds(1400));
  EXPECT_LT(waited, std::chrono::milliseconds(5000));
  EXPECT_NE(partitions.status().message().find("Connection refused"), std::string::npos)
      << partitions.status().ToString();
}

}  // namespace
}  // namespace rp::kafka
