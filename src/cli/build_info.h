// What `reprocessor --version` prints: this build's version and git commit
// (generated at build time by cmake/WriteBuildInfo.cmake) and the versions of
// the libraries that decide its behaviour on the wire and on disk.
#pragma once

#include <string>

namespace rp::cli {

const char* BuildVersion();
const char* BuildCommit();
// "reprocessor 0.3.0 (commit abc123)\nlibrdkafka 2.12.1\nArrow 22.0.0\n"
std::string VersionText();

}  // namespace rp::cli
