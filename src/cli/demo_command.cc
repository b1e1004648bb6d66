// `reprocessor demo`: the seed scenario end to end, on a broker and a table of
// its own. It drives the real jobs as child processes, exactly as a user would:
//   1. a local broker; topics `visits` and `visits_transformed` (1 partition)
//   2. `sync` and `stream` in the background
//   3. the seed's three batches, each followed by the _delta_log listing once
//      table versions 1, 2 and 3 appear
//   4. `read-table`, then `read-topic`
//   5. `reprocess 0 2`, then `read-topic` again
//   6. everything it started is stopped
// The three tables are also saved in the work dir as read_table.txt,
// read_topic_before_reprocessing.txt and read_topic_after_reprocessing.txt.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/command.h"
#include "common/subprocess.h"
#include "delta/log_paths.h"
#include "kafka/producer.h"

namespace rp::cli {
namespace {

namespace fs = std::filesystem;

struct DemoFlags {
  std::string work_dir;
  std::string timezone = "Europe/Paris";
  std::string input;
  int port = 0;
};

std::string ProjectDir() {
  const char* home = std::getenv("REPROCESSOR_HOME");
  return home ? home : RP_PROJECT_DIR;
}

std::string SelfExe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "reprocessor" : p.string();
}

class Demo {
 public:
  explicit Demo(DemoFlags flags) : flags_(std::move(flags)) {}
  // Cleanup after a failed Run, which has reported its own error already.
  ~Demo() { (void)Shutdown(); }

  Status Run() {
    RP_RETURN_IF_ERROR(Prepare());
    std::cout << "== work dir: " << flags_.work_dir << "\n== broker: " << bootstrap_ << "\n" << std::flush;
    RP_RETURN_IF_ERROR(StartBroker());
    for (const char* topic : {"visits", "visits_transformed"}) {
      RP_RETURN_IF_ERROR(Script({"create-topic", "--port", std::to_string(port_), "--topic", topic, "--partitions", "1"}));
    }
    const std::string table = flags_.work_dir + "/visits_table";
    sync_ = std::make_unique<BackgroundProcess>(
        Command({"sync", "--topic", "visits", "--table", table, "--layout", "seed", "--timezone", flags_.timezone}),
        flags_.work_dir + "/sync.log");
    stream_ = std::make_unique<BackgroundProcess>(
        Command({"stream", "--input-topic", "visits", "--output-topic", "visits_transformed", "--timezone",
                 flags_.timezone}),
        flags_.work_dir + "/stream.log");

    // The seed's three batches of three; each batch becomes one table version.
    for (size_t batch = 0; batch < 3; ++batch) {
      std::vector<std::string> values(records_.begin() + static_cast<std::ptrdiff_t>(3 * batch),
                                      records_.begin() + static_cast<std::ptrdiff_t>(3 * batch + 3));
      RP_RETURN_IF_ERROR(Produce(values));
      const int64_t version = static_cast<int64_t>(batch) + 1;
      std::cout << "\n== batch " << version << " produced; waiting for table version " << version << "\n";
      RP_RETURN_IF_ERROR(WaitForVersion(table, version));
      std::cout << "$ ls " << table << "/_delta_log/\n" << ListLog(table) << std::flush;
    }
    RP_RETURN_IF_ERROR(WaitForOutputs(records_.size()));

    std::cout << "\n== read-table\n";
    RP_RETURN_IF_ERROR(PrintAndSave(Command({"read-table", "--table", table}, false), "read_table.txt"));
    std::cout << "\n== read-topic visits_transformed\n";
    RP_RETURN_IF_ERROR(PrintAndSave(Command({"read-topic", "--topic", "visits_transformed"}),
                                    "read_topic_before_reprocessing.txt"));
    std::cout << "\n== reprocess 0 2\n" << std::flush;
    ProcessResult r = RunProcess(Command({"reprocess", "0", "2", "--table", table, "--output-topic",
                                          "visits_transformed"}));
    if (r.exit_code != 0) return Status::IOError("reprocess failed: " + r.err);
    std::cout << r.err;
    std::cout << "\n== read-topic visits_transformed\n";
    RP_RETURN_IF_ERROR(PrintAndSave(Command({"read-topic", "--topic", "visits_transformed"}),
                                    "read_topic_after_reprocessing.txt"));
    RP_RETURN_IF_ERROR(Shutdown());
    std::cout << "\n== done; logs and table in " << flags_.work_dir << "\n";
    return Status::OK();
  }

 private:
  Status Prepare() {
    if (flags_.work_dir.empty()) {
      std::string tmpl = (fs::temp_directory_path() / "reprocessor-demo-XXXXXX").string();
      if (!mkdtemp(tmpl.data())) return Status::IOError("cannot create a temp dir");
      flags_.work_dir = tmpl;
    } else {
      std::error_code ec;
      fs::create_directories(flags_.work_dir, ec);
      if (ec) return Status::InvalidArgument("cannot create work dir " + flags_.work_dir + ": " + ec.message());
      flags_.work_dir = fs::absolute(flags_.work_dir).string();
      if (fs::exists(flags_.work_dir + "/visits_table")) {
        return Status::InvalidArgument("work dir " + flags_.work_dir + " already holds a demo; use a new one");
      }
    }
    if (flags_.input.empty()) flags_.input = ProjectDir() + "/../shared/seed/expected/input_records.jsonl";
    std::ifstream in(flags_.input);
    if (!in) return Status::InvalidArgument("cannot read the seed records " + flags_.input + " (use --input FILE)");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) records_.push_back(line);
    }
    if (records_.size() != 9) {
      return Status::InvalidArgument(flags_.input + " holds " + std::to_string(records_.size()) +
                                     " records; the seed scenario has 9 (3 batches of 3)");
    }
    port_ = flags_.port ? flags_.port : FreePort();
    bootstrap_ = "127.0.0.1:" + std::to_string(port_);
    return Status::OK();
  }

  std::vector<std::string> Command(std::vector<std::string> args, bool kafka = true) const {
    args.insert(args.begin(), SelfExe());
    if (kafka) {
      args.push_back("-b");
      args.push_back(bootstrap_);
    }
    return args;
  }

  Status Script(std::vector<std::string> args) {
    args.insert(args.begin(), ProjectDir() + "/scripts/kafka-local");
    ProcessResult r = RunProcess(args);
    if (r.exit_code != 0) return Status::IOError("kafka-local " + args[1] + " failed: " + r.out + r.err);
    return Status::OK();
  }

  Status StartBroker() {
    RP_RETURN_IF_ERROR(
        Script({"start", "--port", std::to_string(port_), "--data-dir", flags_.work_dir + "/kafka"}));
    broker_started_ = true;
    return Status::OK();
  }

  Status Produce(const std::vector<std::string>& values) {
    kafka::ClientConfig config;
    config.Set("bootstrap.servers", bootstrap_);
    RP_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Create(config, {}));
    for (const auto& v : values)
      RP_RETURN_IF_ERROR(producer->Produce("visits", 0, std::nullopt, v, std::vector<kafka::Header>{}));
    return producer->Flush(std::chrono::seconds(30));
  }

  // The last line a job logged: usually why it stopped.
  static std::string LastLogLine(const std::string& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    return last;
  }

  Status CheckJobsAlive() {
    for (auto* job : {sync_.get(), stream_.get()}) {
      if (!job->Running()) {
        return Status::IOError(std::string(job == sync_.get() ? "sync" : "stream") + " exited (" +
                               LastLogLine(job->log_path()) + "); see " + job->log_path());
      }
    }
    return Status::OK();
  }

  Status WaitForVersion(const std::string& table, int64_t version) {
    const std::string log = table + "/_delta_log/";
    Status alive;
    bool ok = WaitFor([&] {
      alive = CheckJobsAlive();
      return !alive.ok() || (fs::exists(log + delta::CommitFileName(version)) &&
                             fs::exists(log + delta::ChecksumFileName(version)));
    }, 120000);
    RP_RETURN_IF_ERROR(alive);
    if (!ok) return Status::Timeout("table version " + std::to_string(version) + " did not appear");
    return Status::OK();
  }

  Status WaitForOutputs(size_t n) {
    Status alive;
    bool ok = WaitFor([&] {
      alive = CheckJobsAlive();
      if (!alive.ok()) return true;
      ProcessResult r = RunProcess(Command({"read-topic", "--topic", "visits_transformed", "--format", "jsonl"}));
      return r.exit_code == 0 && static_cast<size_t>(std::count(r.out.begin(), r.out.end(), '\n')) >= n;
    }, 120000);
    RP_RETURN_IF_ERROR(alive);
    if (!ok) return Status::Timeout("the stream job did not produce " + std::to_string(n) + " records");
    return Status::OK();
  }

  static std::string ListLog(const std::string& table) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(table + "/_delta_log")) {
      std::string name = e.path().filename().string();
      if (name[0] != '.') names.push_back(name);  // as `ls`: temp files are hidden
    }
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += n + "\n";
    return out;
  }

  Status PrintAndSave(const std::vector<std::string>& command, const std::string& file) {
    ProcessResult r = RunProcess(command);
    if (r.exit_code != 0) return Status::IOError(command[1] + " failed: " + r.err);
    std::cout << r.out << std::flush;
    std::ofstream(flags_.work_dir + "/" + file) << r.out;
    return Status::OK();
  }

  Status Shutdown() {
    Status status;
    for (auto* job : {&stream_, &sync_}) {
      if (!*job) continue;
      (*job)->Signal(SIGTERM);
      int code = (*job)->Wait(30000);
      if (code != 0 && status.ok()) status = Status::IOError("a job exited with " + std::to_string(code) + "; see " + (*job)->log_path());
      job->reset();
    }
    if (broker_started_) {
      broker_started_ = false;
      RunProcess({ProjectDir() + "/scripts/kafka-local", "stop", "--data-dir", flags_.work_dir + "/kafka"});
    }
    return status;
  }

  DemoFlags flags_;
  std::vector<std::string> records_;
  int port_ = 0;
  std::string bootstrap_;
  bool broker_started_ = false;
  std::unique_ptr<BackgroundProcess> sync_, stream_;
};

int RunDemo(const DemoFlags& flags) {
  Demo demo(flags);
  Status s = demo.Run();
  return s.ok() ? kExitOk : ReportError(s);
}

}  // namespace

void AddDemoCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand("demo", "Run the seed scenario end to end on a local broker and table");
  cmd->add_option("--work-dir", flags->work_dir, "Where the broker, table and logs go (default: a new temp dir)");
  cmd->add_option("--timezone", flags->timezone, "Session time zone of the jobs")->capture_default_str();
  cmd->add_option("--input", flags->input, "The seed records (default: ../shared/seed/expected/input_records.jsonl)");
  cmd->add_option("--port", flags->port, "Broker port (default: a free one)");
  cmd->callback([flags, action] { *action = [flags] { return RunDemo(*flags); }; });
}

}  // namespace rp::cli
