#include "support/s3_server.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>

namespace rp::testing {
namespace {

std::string Script() { return std::string(RP_SOURCE_DIR) + "/scripts/s3-local"; }

bool server_used = false;

// Stops the server once every test has run, before exit runs destructors
// (by then gtest's output is done and a stop failure would go unseen).
class S3ServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (server_used) S3Server::Get().Stop();
  }
};
[[maybe_unused]] ::testing::Environment* const environment =
    ::testing::AddGlobalTestEnvironment(new S3ServerEnvironment);

}  // namespace

const S3Server& S3Server::Get() {
  static S3Server server;
  server_used = true;
  return server;
}

S3Server::S3Server() : port_(FreePort()) {
  auto start = RunProcess({Script(), "start", "--port", std::to_string(port_), "--data-dir", dir_.path()});
  if (start.exit_code != 0) {
    error_ = "scripts/s3-local start failed (exit " + std::to_string(start.exit_code) + "): " + start.out +
             start.err;
    return;
  }
  started_ = true;
  // s3.env holds export lines of what a client needs.
  std::ifstream env(dir_.path() + "/s3.env");
  std::map<std::string, std::string> vars;
  for (std::string line; std::getline(env, line);) {
    if (line.rfind("export ", 0) == 0) line.erase(0, 7);
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"'))
      value = value.substr(1, value.size() - 2);
    vars[line.substr(0, eq)] = value;
  }
  for (const char* var : {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"}) {
    if (vars[var].empty()) {
      error_ = std::string("no ") + var + " in " + dir_.path() + "/s3.env";
      return;
    }
  }
  options_ = {{"aws_endpoint_url", vars["AWS_ENDPOINT_URL"]},
              {"aws_access_key_id", vars["AWS_ACCESS_KEY_ID"]},
              {"aws_secret_access_key", vars["AWS_SECRET_ACCESS_KEY"]},
              {"aws_region", vars["AWS_REGION"]}};
}

void S3Server::Stop() const {
  if (started_) (void)RunProcess({Script(), "stop", "--data-dir", dir_.path()});
  started_ = false;
}

std::string S3Server::CreateBucket(const std::string& bucket) const {
  if (!error_.empty()) return error_;
  auto r = RunProcess({Script(), "create-bucket", "--data-dir", dir_.path(), "--bucket", bucket});
  if (r.exit_code != 0) return "scripts/s3-local create-bucket " + bucket + " failed: " + r.out + r.err;
  return "";
}

std::vector<std::string> S3Server::StorageArgs() const {
  std::vector<std::string> args;
  for (const auto& [name, value] : options_) {
    args.push_back("--storage-option");
    args.push_back(name + "=" + value);
  }
  return args;
}

std::string S3Server::DeltaRsOptions() const {
  // object_store's names; plain http needs AWS_ALLOW_HTTP.
  std::string out = "{'AWS_ALLOW_HTTP': 'true'";
  for (const auto& [name, value] : options_) {
    std::string upper;
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += ", '" + upper + "': '" + value + "'";
  }
  return out + "}";
}

}  // namespace rp::testing
