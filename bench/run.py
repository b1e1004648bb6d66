"""bench/run's driver: every job against baselines measured in the same run.

Starts its own broker (scripts/kafka-local) on a free port with its data in a
scratch directory, loads a 3-partition topic with seed-shaped records
(bench/harness/seed_records.cc), then measures, each as a median of --repeat
runs unless said otherwise, these figures (in this order; --only runs a
subset, e.g. --only sync,startup):

  baselines   raw produce (bench_kafka produce), raw consume (kcat and a
              minimal librdkafka consumer), raw consume+produce (bench_kafka pipe);
              always run, since every ratio needs them
  sync        records/s into a committed table, files, commits, peak RSS
  stream      records/s (at-least-once and exactly-once)
  reprocess   full-range rows/s; a 3-offset slice of a 10M-row table (it
              reads the table sync writes, so it runs sync too)
  latency     stream p50/p99/max at 1k, 10k and 50k records/s, and one
              produce->consume hop alone at the same rates
  freshness   sync p50/p99 at 1k records/s
  logic       records/s on one core (bench/logic_bench, Google Benchmark)
  logics      stream (at-least-once) and full reprocess with the visits logic
              built in, as a C plugin (examples/plugins) and in Lua
              (examples/lua), alternating, each as a ratio to built in
  startup     process start to the first record out (stream) / first data commit (sync)
  spark       only with --with-spark (or --only spark): sync and full reprocess
              against the seed's own Spark jobs, alternating (bench/spark/)

Prints a Markdown table (the figures and their ratios to the baselines) and
writes every raw number as JSON (--json). Timings are wall-clock times of
whole processes, baselines included, from spawn to the moment the result is
observable (records in the output topic, a committed table version).
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# The figures in the order they run; --only picks some, baselines always run.
FIGURES = ("baselines", "sync", "stream", "reprocess", "latency", "freshness", "logic", "logics", "startup")
# Not run unless asked for (--with-spark, or --only spark): it installs
# PySpark and its jars (bench/spark/setup) and takes minutes.
OPTIONAL = ("spark",)
# What a figure reads from another one's results.
NEEDS = {"reprocess": "sync", "logics": "sync"}


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = Path(args.build_dir)
        self.reprocessor = str(self.build / "reprocessor")
        self.bench_kafka = str(self.build / "bench" / "bench_kafka")
        self.work = Path(tempfile.mkdtemp(prefix="rp-bench-", dir=args.work_dir))
        self.port = free_port()
        self.brokers = f"127.0.0.1:{self.port}"
        self.results = {}
        self.serial = 0

    # ---- processes ------------------------------------------------------

    def spawn(self, cmd, name):
        out = open(self.work / f"{name}.out", "w")
        err = open(self.work / f"{name}.err", "w")
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        proc.rp_name = name
        return proc

    @staticmethod
    def reaped(proc):
        """True once proc has exited; reaps it with wait4 to keep its peak RSS
        (Popen.poll would reap it first and lose the rusage)."""
        if getattr(proc, "rp_status", None) is None:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if not pid:
                return False
            proc.rp_status, proc.rp_rss = os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024.0
            proc.returncode = proc.rp_status
        return True

    def finish(self, proc, stop=False, timeout=600):
        """Waits for proc (after SIGTERM if stop); returns (rc, peak RSS in MB, stdout, stderr)."""
        if stop and not self.reaped(proc):
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while not self.reaped(proc):
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"{proc.rp_name} did not finish in {timeout} s")
            time.sleep(0.005)
        out = (self.work / f"{proc.rp_name}.out").read_text()
        err = (self.work / f"{proc.rp_name}.err").read_text()
        return proc.rp_status, proc.rp_rss, out, err

    def run(self, cmd, name, timeout=600):
        """Runs cmd to completion: (seconds, peak RSS MB, stdout, stderr); fails on a non-zero exit."""
        t0 = time.monotonic_ns()
        proc = self.spawn(cmd, name)
        rc, rss, out, err = self.finish(proc, timeout=timeout)
        seconds = (time.monotonic_ns() - t0) / 1e9
        if rc != 0:
            raise RuntimeError(f"{name} exited {rc}: {err.strip()[-2000:]}")
        return seconds, rss, out, err

    def name(self, prefix):
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def kafka_local(self, *args):
        # The broker runs with the JVM settings of Kafka's own start script
        # (kafka-server-start.sh, kafka-run-class.sh), not the test fixture's
        # quick-start ones (C1 only, serial GC), which cost latency under load.
        env = dict(os.environ, KAFKA_LOCAL_JVM_OPTS=" ".join([
            "-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true"]))
        subprocess.run([str(ROOT / "scripts" / "kafka-local"), *args], check=True, stdout=subprocess.DEVNULL, env=env)

    def topic(self, prefix, partitions=3, dlq=False):
        name = self.name(prefix)
        for t in [name, f"{name}-dlq"] if dlq else [name]:
            self.kafka_local("create-topic", "--port", str(self.port), "--topic", t, "--partitions", str(partitions))
        return name

    def finish_first(self, waiter, job, timeout=600):
        """Waits for `waiter`; fails at once if `job` exits first."""
        deadline = time.monotonic() + timeout
        while not self.reaped(waiter):
            if self.reaped(job):
                waiter.kill()
                err = (self.work / f"{job.rp_name}.err").read_text()
                raise RuntimeError(f"{job.rp_name} exited {job.returncode}: {err.strip()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{waiter.rp_name} did not finish in {timeout} s")
            time.sleep(0.01)
        return self.finish(waiter)

    def bk(self, *args):
        return [self.bench_kafka, args[0], "-b", self.brokers, *args[1:]]

    # ---- table observation -------------------------------------------------

    @staticmethod
    def commit_file(table, version):
        return Path(table) / "_delta_log" / f"{version:020d}.json"

    @staticmethod
    def read_commit(path):
        txns, adds = {}, 0
        for line in path.read_text().splitlines():
            action = json.loads(line)
            if "txn" in action:
                txns[action["txn"]["appId"]] = action["txn"]["version"]
            elif "add" in action:
                adds += 1
        return txns, adds

    def wait_table(self, table, records, proc, timeout=600):
        """Polls the table's log until its txn versions cover `records` records
        (offsets 0.. on every partition); returns (monotonic ns, commits, files)."""
        version, txns, commits, files = 0, {}, 0, 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            path = self.commit_file(table, version)
            if path.exists():
                try:
                    t, adds = self.read_commit(path)
                except (json.JSONDecodeError, OSError):
                    time.sleep(0.001)  # put-if-absent writes the file whole, but be safe
                    continue
                txns.update(t)
                commits += 1 if t else 0
                files += adds
                version += 1
                if sum(v + 1 for v in txns.values()) >= records:
                    return time.monotonic_ns(), commits, files
                continue
            if self.reaped(proc):
                raise RuntimeError(f"{proc.rp_name} exited {proc.returncode} early")
            time.sleep(0.002)
        raise RuntimeError(f"table {table} did not reach {records} records")

    # ---- steps -------------------------------------------------------------

    def median_of(self, fn, repeat=None):
        return self.median([fn() for _ in range(repeat or self.args.repeat)])

    @staticmethod
    def median(runs):
        key = "rate" if "rate" in runs[0] else "seconds"
        ordered = sorted(runs, key=lambda r: r[key])
        chosen = dict(ordered[len(ordered) // 2])
        chosen["runs"] = [r[key] for r in runs]
        return chosen

    def start_broker(self):
        t0 = time.monotonic()
        self.kafka_local("start", "--port", str(self.port), "--data-dir", str(self.work / "kafka"))
        log(f"broker on {self.brokers} in {time.monotonic() - t0:.1f} s, work dir {self.work}")

    def load(self):
        n = self.args.records
        self.input = self.topic("visits")
        seconds, _, out, _ = self.run(self.bk("produce", "-t", self.input, "-n", str(n)), "load")
        log(f"loaded {n} records into {self.input} in {seconds:.2f} s")

    def baselines(self):
        n = str(self.args.records)

        def produce():
            topic = self.topic("produce")
            seconds, rss, out, _ = self.run(self.bk("produce", "-t", topic, "-n", n), self.name("produce"))
            return {"seconds": seconds, "rate": self.args.records / seconds, "tool_rate": json.loads(out)["rate"]}

        def consume():
            seconds, rss, out, _ = self.run(self.bk("consume", "-t", self.input, "-n", n), self.name("consume"))
            return {"seconds": seconds, "rate": self.args.records / seconds, "rss_mb": rss}

        def kcat():
            cmd = ["kcat", "-C", "-b", self.brokers, "-t", self.input, "-o", "beginning", "-e", "-q",
                   "-f", "%o\\n"]
            seconds, rss, out, _ = self.run(cmd, self.name("kcat"))
            got = out.count("\n")
            if got != self.args.records:
                raise RuntimeError(f"kcat read {got} records")
            return {"seconds": seconds, "rate": got / seconds, "rss_mb": rss}

        def pipe():
            to = self.topic("pipe")
            seconds, rss, out, _ = self.run(self.bk("pipe", "-t", self.input, "--to", to, "-n", n), self.name("pipe"))
            return {"seconds": seconds, "rate": self.args.records / seconds, "rss_mb": rss}

        self.results["produce"] = self.median_of(produce)
        self.results["consume_librdkafka"] = self.median_of(consume)
        self.results["consume_kcat"] = self.median_of(kcat)
        self.results["consume_produce"] = self.median_of(pipe)
        for k in ("produce", "consume_librdkafka", "consume_kcat", "consume_produce"):
            log(f"baseline {k}: {self.results[k]['rate']:,.0f} records/s")

    def sync_run(self, topic, records, extra=()):
        table = str(self.work / self.name("table"))
        t0 = time.monotonic_ns()
        proc = self.spawn([self.reprocessor, "sync", "-b", self.brokers, "--topic", topic, "--table", table,
                           "--group", self.name("sync-group"), "--timezone", "UTC", *extra], self.name("sync"))
        done_ns, commits, files = self.wait_table(table, records, proc)
        rc, rss, _, err = self.finish(proc, stop=True)
        if rc != 0:
            raise RuntimeError(f"sync exited {rc}: {err[-2000:]}")
        seconds = (done_ns - t0) / 1e9
        return {"seconds": seconds, "rate": records / seconds, "commits": commits, "files": files,
                "rss_mb": rss, "table": table}

    def sync(self):
        # The default (kafka) layout against the seed layout, which is what sync
        # wrote before layouts existed; alternating, so drift hits both.
        kafka_runs, seed_runs = [], []
        for _ in range(self.args.repeat):
            seed_runs.append(self.sync_run(self.input, self.args.records, ("--layout", "seed")))
            kafka_runs.append(self.sync_run(self.input, self.args.records))
        self.results["sync"] = self.median(kafka_runs)
        self.results["sync_seed"] = self.median(seed_runs)
        r = self.results["sync"]
        log(f"sync: {r['rate']:,.0f} records/s, {r['commits']} commits, {r['files']} files, {r['rss_mb']:.0f} MB")
        log(f"sync --layout seed: {self.results['sync_seed']['rate']:,.0f} records/s")

    def stream_run(self, delivery, extra=()):
        out_topic = self.topic("stream-out", dlq=True)
        waiter = self.spawn(self.bk("wait-count", "-t", out_topic, "-n", str(self.args.records), "--timeout", "600"),
                            self.name("wait-count"))
        wait_ready(self.work / f"{waiter.rp_name}.out")
        t0 = time.monotonic_ns()
        proc = self.spawn([self.reprocessor, "stream", "-b", self.brokers, "--input-topic", self.input,
                           "--output-topic", out_topic, "--group", self.name("stream-group"),
                           "--delivery", delivery, "--timezone", "UTC", *extra], self.name("stream"))
        rc, _, out, _ = self.finish_first(waiter, proc)
        if rc != 0:
            self.finish(proc, stop=True)
            raise RuntimeError(f"stream ({delivery}) did not deliver {self.args.records} records: {out}")
        done_ns = json.loads(out.splitlines()[-1])["done_ns"]
        rc, rss, _, err = self.finish(proc, stop=True)
        if rc != 0:
            raise RuntimeError(f"stream exited {rc}: {err[-2000:]}")
        seconds = (done_ns - t0) / 1e9
        return {"seconds": seconds, "rate": self.args.records / seconds, "rss_mb": rss}

    def stream(self):
        self.results["stream"] = self.median_of(lambda: self.stream_run("at-least-once"))
        self.results["stream_eos"] = self.median_of(lambda: self.stream_run("exactly-once"))
        for k in ("stream", "stream_eos"):
            log(f"{k}: {self.results[k]['rate']:,.0f} records/s, {self.results[k]['rss_mb']:.0f} MB")

    def latency(self):
        # The floor: one produce -> consume hop through the broker, no job.
        # The stream path is two such hops (input, output) plus the job.
        for rate in self.args.latency_rates:
            topic = self.topic("hop")
            _, _, out, _ = self.run(self.bk("latency", "-t", topic, "--to", topic, "--rate", str(rate),
                                            "--seconds", str(self.args.latency_seconds), "--warmup", "1"),
                                    self.name("hop-latency"))
            self.results[f"hop_latency_{rate}"] = r = json.loads(out)
            log(f"one-hop latency at {rate}/s: p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f} max {r['max_ms']:.2f} ms")
        for rate in self.args.latency_rates:
            in_topic, out_topic = self.topic("lat-in"), self.topic("lat-out", dlq=True)
            proc = self.spawn([self.reprocessor, "stream", "-b", self.brokers, "--input-topic", in_topic,
                               "--output-topic", out_topic, "--group", self.name("lat-group"), "--timezone", "UTC"],
                              self.name("lat-stream"))
            time.sleep(2)  # joined and idle before the clock starts (the warm-up second is not counted either)
            _, _, out, _ = self.run(self.bk("latency", "-t", in_topic, "--to", out_topic, "--rate", str(rate),
                                            "--seconds", str(self.args.latency_seconds), "--warmup", "1"),
                                    self.name("latency"))
            self.finish(proc, stop=True)
            self.results[f"latency_{rate}"] = json.loads(out)
            r = self.results[f"latency_{rate}"]
            log(f"latency at {rate}/s: p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f} max {r['max_ms']:.2f} ms, "
                f"missing {r['missing']}")

    def freshness(self):
        topic = self.topic("fresh-in")
        table = str(self.work / self.name("fresh-table"))
        proc = self.spawn([self.reprocessor, "sync", "-b", self.brokers, "--topic", topic, "--table", table,
                           "--group", self.name("fresh-group"), "--timezone", "UTC"], self.name("fresh-sync"))
        deadline = time.monotonic() + 30
        while not self.commit_file(table, 0).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(1)
        _, _, out, _ = self.run(self.bk("freshness", "-t", topic, "--table", table, "--rate",
                                        str(self.args.freshness_rate), "--seconds",
                                        str(self.args.latency_seconds), "--warmup", "1"), self.name("freshness"))
        self.finish(proc, stop=True)
        self.results["freshness"] = json.loads(out)
        r = self.results["freshness"]
        log(f"freshness at {self.args.freshness_rate}/s: p50 {r['p50_ms']:.1f} p99 {r['p99_ms']:.1f} ms, "
            f"missing {r['missing']}")

    def reprocess_full(self, table, extra=()):
        out_topic = self.topic("reprocess-out", dlq=True)
        everything = json.dumps({self.input: {str(p): -2 for p in range(3)}})  # earliest on each partition
        seconds, rss, _, err = self.run([self.reprocessor, "reprocess", "-b", self.brokers, "--table", table,
                                         "--starting-offsets", everything, "--output-topic", out_topic, *extra],
                                        self.name("reprocess"))
        produced = int(re.search(r"produced (\d+)", err).group(1))
        if produced != self.args.records:
            raise RuntimeError(f"reprocess produced {produced} of {self.args.records}")
        return {"seconds": seconds, "rate": produced / seconds, "rss_mb": rss}

    # The logic kinds a user can pick (--logic), each running the visits logic.
    def logic_kinds(self):
        return {"builtin": (),
                "plugin": ("--logic", "plugin:" + str(self.build / "examples" / "plugins" / "visits_plugin.so")),
                "lua": ("--logic", "lua:" + str(ROOT / "examples" / "lua" / "visits.lua"))}

    def logics(self):
        table = self.results["sync"]["table"]
        runs = {}
        # Alternating kinds within each repeat, so load changes hit every kind alike.
        for _ in range(self.args.repeat):
            for kind, extra in self.logic_kinds().items():
                runs.setdefault(f"stream_{kind}", []).append(self.stream_run("at-least-once", extra))
                runs.setdefault(f"reprocess_{kind}", []).append(self.reprocess_full(table, extra))
        self.results["logics"] = {k: self.median(v) for k, v in runs.items()}
        for k, v in self.results["logics"].items():
            log(f"logics {k}: {v['rate']:,.0f} records/s, {v['rss_mb']:.0f} MB")

    def reprocess(self):
        table = self.results["sync"]["table"]

        self.results["reprocess"] = self.median_of(lambda: self.reprocess_full(table))
        r = self.results["reprocess"]
        log(f"reprocess: {r['rate']:,.0f} rows/s, {r['rss_mb']:.0f} MB")

        rows = self.args.slice_table_rows
        big = str(self.work / "raw-10m")
        seconds, _, out, _ = self.run([str(self.build / "bench" / "make_raw_table"), "--table", big,
                                       "--rows", str(rows)], "make-raw-table", timeout=1800)
        made = json.loads(out)
        log(f"{rows:,}-row table: {made['files']} files in {made['commits']} commits, written in {seconds:.1f} s")
        out_topic = self.topic("slice-out", dlq=True)
        # About 37% in, in the middle of one commit's rows (make_raw_table
        # commits every 100k rows, record i going to partition i % 3): a slice
        # across a commit boundary necessarily reads a file of each commit.
        per_commit = 100_000
        middle = (rows * 37 // 100 // per_commit * per_commit + per_commit // 2) // 3

        def slice_run():
            seconds, rss, _, err = self.run([self.reprocessor, "reprocess", str(middle), str(middle + 2),
                                             "-b", self.brokers, "--table", big, "--output-topic", out_topic],
                                            self.name("slice"))
            files_read = int(re.search(r"(\d+) read", err).group(1))
            produced = int(re.search(r"produced (\d+)", err).group(1))
            decoded = re.search(r"\((\d+) decoded\)", err)
            job = re.search(r"dead-lettered \d+; ([0-9.]+) s", err)
            return {"seconds": seconds, "files_read": files_read, "produced": produced, "rss_mb": rss,
                    "files_decoded": int(decoded.group(1)) if decoded else None,
                    "job_seconds": float(job.group(1)) if job else None,
                    "files_total": int(re.search(r"files (\d+) total", err).group(1))}

        self.results["slice"] = self.median_of(slice_run, repeat=max(self.args.repeat, 5))
        self.results["slice"]["table_rows"] = rows
        # What any run of the binary costs before it does anything: loading
        # ~55 shared libraries (Arrow's alone has ~136k relocations). The
        # slice's own time is the job's ("job_seconds", from open to flush).
        def startup_run():
            seconds, _, _, _ = self.run([self.reprocessor, "--help"], self.name("help"))
            return {"seconds": seconds}
        self.results["slice"]["process_start_seconds"] = \
            self.median_of(startup_run, repeat=max(self.args.repeat, 5))["seconds"]
        r = self.results["slice"]
        log(f"3-offset slice: {r['seconds'] * 1000:.0f} ms, {r['files_read']} of {r['files_total']} files read, "
            f"{r['produced']} rows produced")

    def logic(self):
        _, _, out, _ = self.run([str(self.build / "bench" / "logic_bench"), "--benchmark_filter=BM_Transform/strict:0",
                                 "--benchmark_format=json", "--benchmark_min_time=1"], "logic")
        bench = json.loads(out)["benchmarks"][0]
        self.results["logic"] = {"rate": bench["items_per_second"], "ns_per_record": bench["real_time"]}
        log(f"logic: {bench['items_per_second']:,.0f} records/s")

    def startup(self):
        def stream_first():
            out_topic = self.topic("startup-out", dlq=True)
            waiter = self.spawn(self.bk("first", "-t", out_topic, "--timeout", "60"), self.name("first"))
            wait_ready(self.work / f"{waiter.rp_name}.out")
            t0 = time.monotonic_ns()
            proc = self.spawn([self.reprocessor, "stream", "-b", self.brokers, "--input-topic", self.input,
                               "--output-topic", out_topic, "--group", self.name("startup-group"),
                               "--timezone", "UTC"], self.name("startup-stream"))
            rc, _, out, _ = self.finish_first(waiter, proc, timeout=60)
            self.finish(proc, stop=True)
            if rc != 0:
                raise RuntimeError("stream produced nothing within 60 s")
            return {"seconds": (json.loads(out.splitlines()[-1])["first_ns"] - t0) / 1e9}

        def sync_first():
            table = str(self.work / self.name("startup-table"))
            t0 = time.monotonic_ns()
            proc = self.spawn([self.reprocessor, "sync", "-b", self.brokers, "--topic", self.input, "--table", table,
                               "--group", self.name("startup-sync"), "--timezone", "UTC"], self.name("startup-sync"))
            deadline = time.monotonic() + 60
            while not self.commit_file(table, 1).exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("sync committed nothing within 60 s")
                time.sleep(0.001)
            done = time.monotonic_ns()
            self.finish(proc, stop=True)
            return {"seconds": (done - t0) / 1e9}

        self.results["startup_stream"] = self.median_of(stream_first)
        self.results["startup_sync"] = self.median_of(sync_first)
        log(f"startup: stream {self.results['startup_stream']['seconds'] * 1000:.0f} ms, "
            f"sync {self.results['startup_sync']['seconds'] * 1000:.0f} ms")

    def spark(self):
        self.spark_peer.run()

    def stop_broker(self):
        self.kafka_local("stop", "--data-dir", str(self.work / "kafka"))


def wait_ready(path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and "ready_ns" in path.read_text():
            return
        time.sleep(0.005)
    raise RuntimeError(f"{path} never became ready")


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "kernel": platform.release(),
            "commit": commit + ("+changes" if dirty else ""), "load_before": os.getloadavg()[0],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def report(results, args):
    r = results

    def rate(x):
        return f"{x:,.0f}/s"

    def ratio(a, b):
        return f"{a / b:.2f}x"

    best_consume = max(r["consume_librdkafka"]["rate"], r["consume_kcat"]["rate"])
    rows = [
        ("raw produce (baseline)", rate(r["produce"]["rate"]), "", ""),
        ("raw consume, minimal librdkafka consumer (baseline)", rate(r["consume_librdkafka"]["rate"]), "", ""),
        ("raw consume, kcat (baseline)", rate(r["consume_kcat"]["rate"]), "", ""),
        ("raw consume+produce, no logic (baseline)", rate(r["consume_produce"]["rate"]), "", ""),
    ]
    if "sync" in r:
        s = r["sync"]
        rows.append(("sync: records/s into committed table", rate(s["rate"]),
                     f"{ratio(s['rate'], best_consume)} of the faster raw consume", ">= 0.5x raw consume"))
        rows.append(("sync: commits / data files / peak RSS",
                     f"{s['commits']} / {s['files']} / {s['rss_mb']:.0f} MB", "", "RSS <= 150 MB"))
        if "sync_seed" in r:
            rows.append(("sync --layout seed (the layout before kafka): records/s", rate(r["sync_seed"]["rate"]),
                         f"kafka layout: {ratio(s['rate'], r['sync_seed']['rate'])} of it", ">= 0.9x"))
    if "freshness" in r:
        f = r["freshness"]
        rows.append((f"sync freshness at {args.freshness_rate}/s: p50 / p99",
                     f"{f['p50_ms']:.0f} / {f['p99_ms']:.0f} ms", f"{f['missing']} missing", "p99 <= 1 s"))
    if "stream" in r:
        st = r["stream"]
        rows.append(("stream at-least-once: records/s", rate(st["rate"]),
                     f"{ratio(st['rate'], r['consume_produce']['rate'])} of raw consume+produce",
                     ">= 0.5x raw consume+produce"))
        rows.append(("stream exactly-once: records/s", rate(r["stream_eos"]["rate"]),
                     f"{ratio(r['stream_eos']['rate'], r['consume_produce']['rate'])} of raw consume+produce", ""))
        rows.append(("stream peak RSS (at-least-once / exactly-once)",
                     f"{st['rss_mb']:.0f} / {r['stream_eos']['rss_mb']:.0f} MB", "", ""))
    for lr in args.latency_rates:
        if f"hop_latency_{lr}" in r:
            l = r[f"hop_latency_{lr}"]
            rows.append((f"one produce->consume hop at {lr:,}/s (baseline): p50 / p99 / max",
                         f"{l['p50_ms']:.1f} / {l['p99_ms']:.1f} / {l['max_ms']:.1f} ms", "", ""))
    for lr in args.latency_rates:
        if f"latency_{lr}" in r:
            l = r[f"latency_{lr}"]
            rows.append((f"stream latency at {lr:,}/s: p50 / p99 / max",
                         f"{l['p50_ms']:.1f} / {l['p99_ms']:.1f} / {l['max_ms']:.1f} ms",
                         f"{l['samples']} samples, {l['missing']} missing",
                         "p99 <= 10 ms" if lr == 10000 else ""))
    if "reprocess" in r:
        rp = r["reprocess"]
        rows.append(("reprocess full range: rows/s", rate(rp["rate"]),
                     f"{ratio(rp['rate'], r['produce']['rate'])} of raw produce", ">= 0.5x raw produce"))
        sl = r["slice"]
        job = (f"; the job {sl['job_seconds'] * 1000:.0f} ms of it (open to flush), `reprocessor --help` "
               f"{sl['process_start_seconds'] * 1000:.0f} ms" if sl.get("job_seconds") is not None else "")
        decoded = f" ({sl['files_decoded']} decoded)" if sl.get("files_decoded") is not None else ""
        rows.append((f"reprocess 3-offset slice of a {sl['table_rows']:,}-row table",
                     f"{sl['seconds'] * 1000:.0f} ms, {sl['files_read']}{decoded} of {sl['files_total']} files read",
                     f"{sl['produced']} rows (3 offsets x 3 partitions){job}", "<= 0.3 s, <= 1 file"))
    if "logics" in r:
        lg = r["logics"]
        for job in ("stream", "reprocess"):
            base = lg[f"{job}_builtin"]["rate"]
            for kind, name in (("builtin", "built in"), ("plugin", "as a C plugin"), ("lua", "in Lua")):
                x = lg[f"{job}_{kind}"]
                rows.append((f"{job} with the visits logic {name}: records/s", rate(x["rate"]),
                             "" if kind == "builtin" else f"{ratio(x['rate'], base)} of built in",
                             ">= 0.95x" if kind == "plugin" else ""))
    if "logic" in r:
        rows.append(("logic alone, one core", rate(r["logic"]["rate"]),
                     f"{ratio(r['logic']['rate'], best_consume)} of the faster raw consume", ""))
    if "startup_stream" in r:
        rows.append(("startup: stream, start to first output record",
                     f"{r['startup_stream']['seconds'] * 1000:.0f} ms", "", "<= 0.2 s"))
        rows.append(("startup: sync, start to first data commit", f"{r['startup_sync']['seconds'] * 1000:.0f} ms",
                     "", "<= 0.2 s"))
    lines = ["| figure | measured | ratio / notes | target |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def figures(value):
    """--only's value: a comma-separated subset of FIGURES, returned in run order
    with baselines and whatever the chosen figures read (NEEDS) added."""
    chosen = {f.strip() for f in value.split(",") if f.strip()}
    unknown = chosen - set(FIGURES) - set(OPTIONAL)
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"not a figure: {', '.join(sorted(unknown)) or value!r} "
                                         f"(figures: {','.join(FIGURES + OPTIONAL)})")
    chosen |= {"baselines"} | {NEEDS[f] for f in chosen if f in NEEDS}
    return [f for f in FIGURES + OPTIONAL if f in chosen]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default=str(ROOT / "build-release"))
    p.add_argument("--work-dir", default=None, help="parent of the scratch directory (default: the system temp)")
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3, help="runs per throughput figure (the median is reported)")
    p.add_argument("--latency-rates", type=int, nargs="+", default=[1000, 10000, 50000])
    p.add_argument("--latency-seconds", type=float, default=10)
    p.add_argument("--freshness-rate", type=int, default=1000)
    p.add_argument("--slice-table-rows", type=int, default=10_000_000)
    p.add_argument("--only", type=figures, default=list(FIGURES), metavar="FIGURE,...",
                   help=f"run these figures only ({','.join(FIGURES + OPTIONAL)}; default: all but spark); "
                        "baselines always run, reprocess runs sync too")
    p.add_argument("--with-spark", action="store_true",
                   help="also run the seed's Spark jobs against sync and reprocess (bench/spark/; installs "
                        "PySpark into .deps/spark on first use)")
    p.add_argument("--json", default=None, help="write all raw results here")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = p.parse_args()
    if args.with_spark and "spark" not in args.only:
        args.only.append("spark")
    args.with_spark = "spark" in args.only

    # SIGTERM/SIGINT unwind through the finally below: the broker is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(args)
    info = machine()
    log(f"{info['cpu']}, {info['cores']} cores, commit {info['commit']}, load {info['load_before']:.2f}")
    if args.only != list(FIGURES):
        log(f"figures: {', '.join(args.only)}")
    if args.with_spark:  # installed before the broker starts: a failed install costs nothing else
        sys.path.insert(0, str(ROOT / "bench" / "spark"))
        import spark_peer
        try:
            bench.spark_peer = spark_peer.SparkPeer(bench, log)
        except BaseException:
            shutil.rmtree(bench.work, ignore_errors=True)
            raise
    try:
        bench.start_broker()
        bench.load()
        for figure in args.only:
            getattr(bench, figure)()
    finally:
        try:
            bench.stop_broker()
        finally:
            if not args.keep:
                shutil.rmtree(bench.work, ignore_errors=True)
    # Correctness, never speed: every probe saw every record.
    lost = {k: v["missing"] for k, v in bench.results.items() if isinstance(v, dict) and v.get("missing")}
    if lost:
        raise SystemExit(f"bench/run: records missing in {lost}")
    if "slice" in bench.results and bench.results["slice"]["produced"] != 9:
        raise SystemExit(f"bench/run: the 3-offset slice produced {bench.results['slice']['produced']} rows, not 9")
    info["load_after"] = os.getloadavg()[0]
    results = {"machine": info, "args": vars(args), "results": bench.results}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nstream-reprocessor benchmarks: {args.records:,} seed-shaped records, 3 partitions, "
          f"commit {info['commit']}, {info['cpu']} ({info['cores']} cores), "
          f"load {info['load_before']:.2f} -> {info['load_after']:.2f}\n")
    print(report(bench.results, args))
    if "spark" in bench.results:
        print(f"\n{spark_peer.report(bench.results)}")


if __name__ == "__main__":
    main()
