"""bench/run --with-spark: our sync and reprocess against the seed's own Spark
jobs (this folder: PySpark 4.0.1 + delta-spark 4.0.0, local[2], driver 2 GB),
on bench/run's broker and its loaded topic of seed-shaped records.

Runs under bench/run.py's Python (the harness); the Spark jobs run in the
venv that bench/spark/setup installs. For each of --repeat rounds, every step
runs for ours and then for Spark, so drift in the machine's load hits both:

  sync, small   a 1,000-record topic to a new table: startup to the first
                data commit
  sync, full    the loaded topic (--records) to a new table
  reprocess     the whole table that sync wrote (every offset of every
                partition) to a new output topic

Ours runs `reprocessor sync --layout seed`, the table the Spark job writes
(value, partition, offset, year/month/day/hour), and `reprocessor reprocess`
with --starting-offsets earliest; Spark runs data_synchronization_job.py
(a streaming query, default trigger) and visits_converter_reprocessing_job.py
0 N. Both jobs run with event-time partitions and timestamps in UTC.

What is measured, from the same observations for both:
  time to completion  spawn to the moment the result is observable: a
                      committed table version holding every record (the sum
                      of numRecords of the data-changing adds), or every row
                      in the output topic (its high watermarks)
  steady-state rate   records over the time from the start of the reading to
                      completion, leaving out process and JVM start, session,
                      jar resolution and query set-up. Where reading starts:
                      sync, ours: its partitions are assigned (its log line
                      "kafka: assigned"; without it, its first data commit,
                      counting only the rows after it);
                      sync, Spark: the first micro-batch's offsets are planned
                      (checkpoint/offsets/0 appears; with the default trigger
                      that one batch holds the whole backlog); reprocess, both:
                      the first row reaches the output topic
  peak memory         the peak of the summed RSS of the job's process tree
                      (for Spark: Python driver + JVM), sampled from /proc every
                      20 ms; for ours also the kernel's exact peak (ru_maxrss),
                      the larger of the two
  startup             spawn to the first table version with data, on the small
                      topic (ours includes its batching window, --max-batch-ms)
"""

import datetime
import json
import os
import re
import signal
import statistics
import subprocess
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SMALL_RECORDS = 1000
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / (1024.0 * 1024.0)


class TreeRss:
    """Samples the summed RSS of a process and all its descendants from /proc
    (this kernel has no /proc/PID/task/TID/children, so the tree comes from a
    scan of every process's parent, repeated every 10th sample: the JVM
    appears within ~200 ms of spawn, long before it has grown)."""

    def __init__(self, pid, interval=0.02):
        self.root, self.interval, self.peak_mb = pid, interval, 0.0
        self.members = {pid}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _scan(self):
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                parents[int(entry)] = int(stat[stat.rfind(")") + 2:].split()[1])
        tree, grew = {self.root}, True
        while grew:
            grew = False
            for pid, ppid in parents.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        self.members = tree

    def _loop(self):
        n = 0
        while not self.done.is_set():
            if n % 10 == 0:
                self._scan()
            n += 1
            total = 0
            for pid in self.members:
                try:
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
                except (OSError, IndexError, ValueError):
                    pass
            self.peak_mb = max(self.peak_mb, total * PAGE_MB)
            self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.peak_mb


class TableWatcher:
    """Follows a Delta table's log as it grows: rows committed (numRecords of
    the adds with dataChange, so compaction's rewrites do not count twice)
    and when the first version with data appeared."""

    def __init__(self, table):
        self.log = Path(table) / "_delta_log"
        self.version, self.rows, self.first_data_ns, self.first_data_rows = 0, 0, None, 0

    def poll(self):
        while True:
            path = self.log / f"{self.version:020d}.json"
            if not path.exists():
                return
            try:
                actions = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            except (json.JSONDecodeError, OSError):
                return  # both writers publish a commit whole, but look again rather than miscount
            now = time.monotonic_ns()
            added = sum(json.loads(a["add"]["stats"])["numRecords"] for a in actions
                        if "add" in a and a["add"].get("dataChange", True))
            if added and self.first_data_ns is None:
                self.first_data_ns, self.first_data_rows = now, added
            self.rows += added
            self.version += 1


class SparkPeer:
    def __init__(self, bench, log):
        self.b, self.log = bench, log
        t0 = time.monotonic()
        out = subprocess.run([str(HERE / "setup")], check=True, stdout=subprocess.PIPE, text=True).stdout
        setup = json.loads(out.strip().splitlines()[-1])
        self.python = setup["python"]
        self.local = self.b.work / "spark-local"  # Spark's scratch space and working directory
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "PYSPARK_"))}
        self.env.update(JAVA_HOME=setup["java_home"], SPARK_CONF_DIR=setup["spark_conf_dir"],
                        SPARK_LOCAL_DIRS=str(self.local), PYTHONPATH=str(HERE))
        self.log(f"spark peer ready in {time.monotonic() - t0:.1f} s ({self.python})")

    # ---- processes ----------------------------------------------------------

    def spawn_spark(self, script, args, name):
        """Starts a Spark job in a session of its own, so that the JVM that
        PySpark forks can be stopped with it."""
        out = open(self.b.work / f"{name}.out", "w")
        err = open(self.b.work / f"{name}.err", "w")
        proc = subprocess.Popen([self.python, str(HERE / script), *args], stdout=out, stderr=err, env=self.env,
                                cwd=self.local, start_new_session=True)
        proc.rp_name = name
        return proc

    @staticmethod
    def group_gone(proc):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        return False

    def wait_group(self, proc, seconds):
        """Waits until the job and all of its session have exited."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.b.reaped(proc) and self.group_gone(proc):
                return True
            time.sleep(0.02)
        return False

    def stop_group(self, proc, grace=30):
        """SIGTERM to the job's Python driver, then time for its JVM to exit
        (it does when the driver's pipe closes, after its shutdown hooks);
        whatever of its session is left then gets SIGTERM, then SIGKILL."""
        if not self.b.reaped(proc):
            proc.send_signal(signal.SIGTERM)
        if self.wait_group(proc, grace):
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.b.reaped(proc):
                proc.send_signal(sig)
            if not self.group_gone(proc):
                os.killpg(proc.pid, sig)
            if self.wait_group(proc, 10):
                return
        raise RuntimeError(f"{proc.rp_name}: its processes outlived SIGKILL")

    def failed(self, proc, what):
        err = (self.b.work / f"{proc.rp_name}.err").read_text()
        return RuntimeError(f"{what} ({proc.rp_name}) exited {proc.returncode}: {err.strip()[-3000:]}")

    # ---- one run of each job ------------------------------------------------

    def sync_run(self, engine, topic, records):
        name = self.b.name(f"{engine}-sync")
        table = str(self.b.work / f"{name}-table")
        t0, t0_wall = time.monotonic_ns(), time.time_ns()
        checkpoint = self.b.work / f"{name}-checkpoint"
        reading_ns = None
        if engine == "ours":
            proc = self.b.spawn([self.b.reprocessor, "sync", "-b", self.b.brokers, "--topic", topic, "--table",
                                 table, "--group", f"{name}-group", "--layout", "seed", "--timezone", "UTC"], name)
        else:
            proc = self.spawn_spark("data_synchronization_job.py",
                                    ["--brokers", self.b.brokers, "--topic", topic, "--table", table,
                                     "--checkpoint", str(checkpoint)], name)
        rss = TreeRss(proc.pid)
        watcher = TableWatcher(table)
        try:
            deadline = time.monotonic() + 900
            while watcher.rows < records:
                if reading_ns is None and engine == "spark" and (checkpoint / "offsets" / "0").exists():
                    reading_ns = time.monotonic_ns()
                watcher.poll()
                if watcher.rows >= records:
                    break
                if self.b.reaped(proc):
                    raise self.failed(proc, f"{engine} sync")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{engine} sync: {watcher.rows} of {records} rows after 900 s")
                time.sleep(0.002)
            done_ns = time.monotonic_ns()
            peak = rss.stop()
        finally:
            rss.stop()
            if engine == "ours":
                rc, maxrss, _, err = self.b.finish(proc, stop=True)
            else:
                self.stop_group(proc)
        if engine == "ours":
            if rc != 0:
                raise RuntimeError(f"ours sync exited {rc}: {err[-2000:]}")
            peak = max(peak, maxrss)
        if watcher.rows != records:
            raise RuntimeError(f"{engine} sync committed {watcher.rows} rows, not {records}")
        steady_rows = records
        if engine == "ours":
            assigned = assigned_wall_ns(self.b.work / f"{name}.err")
            if assigned is not None:
                reading_ns = t0 + (assigned - t0_wall)
            elif watcher.first_data_rows < records:
                reading_ns, steady_rows = watcher.first_data_ns, records - watcher.first_data_rows
        if reading_ns is None:  # no anchor seen in time: the whole run
            reading_ns = t0
        return {"seconds": (done_ns - t0) / 1e9, "first_commit_s": (watcher.first_data_ns - t0) / 1e9,
                "reading_s": (reading_ns - t0) / 1e9,
                "steady_rate": steady_rows / max((done_ns - reading_ns) / 1e9, 1e-3),
                "rss_mb": peak, "table": table, "versions": watcher.version}

    def reprocess_run(self, engine, table, topic, records):
        name = self.b.name(f"{engine}-reprocess")
        out_topic = self.b.topic(f"{name}-out", dlq=True)
        waiter = self.b.spawn(self.b.bk("wait-count", "-t", out_topic, "-n", str(records), "--timeout", "900"),
                              f"{name}-wait")
        first = self.b.spawn(self.b.bk("first", "-t", out_topic, "--timeout", "900"), f"{name}-first")
        for probe in (waiter, first):
            ready = self.b.work / f"{probe.rp_name}.out"
            deadline = time.monotonic() + 60
            while "ready_ns" not in (ready.read_text() if ready.exists() else ""):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{probe.rp_name} never became ready")
                time.sleep(0.005)
        t0 = time.monotonic_ns()
        if engine == "ours":
            everything = json.dumps({topic: {str(p): -2 for p in range(3)}})  # earliest on each partition
            proc = self.b.spawn([self.b.reprocessor, "reprocess", "-b", self.b.brokers, "--table", table,
                                 "--starting-offsets", everything, "--output-topic", out_topic], name)
        else:
            # Offsets per partition are below the record count: 0..N selects all.
            proc = self.spawn_spark("visits_converter_reprocessing_job.py",
                                    ["0", str(records), "--brokers", self.b.brokers, "--table", table,
                                     "--output-topic", out_topic], name)
        rss = TreeRss(proc.pid)
        try:
            rc, _, out, _ = self.finish_waiter(waiter, proc, engine)
            if rc != 0:
                raise RuntimeError(f"{engine} reprocess: output topic {out_topic} short of {records} rows: {out}")
            done_ns = json.loads(out.strip().splitlines()[-1])["done_ns"]
            rc, _, out, _ = self.b.finish(first, timeout=60)
            if rc != 0:
                raise RuntimeError(f"{first.rp_name} saw no record: {out}")
            first_ns = json.loads(out.strip().splitlines()[-1])["first_ns"]
            # Until the job exits (for Spark, its JVM too): the peak may come at its end.
            if engine == "ours":
                deadline = time.monotonic() + 120
                while not self.b.reaped(proc) and time.monotonic() < deadline:
                    time.sleep(0.01)
            else:
                self.wait_group(proc, 120)
            exit_ns = time.monotonic_ns()
            peak = rss.stop()
        finally:
            rss.stop()
            for probe in (waiter, first):
                if not self.b.reaped(probe):
                    probe.kill()
                    self.b.finish(probe)
            if engine == "ours":
                rc, maxrss, _, err = self.b.finish(proc, stop=True)
            else:
                self.stop_group(proc)
                rc = proc.returncode
        if rc != 0:
            raise self.failed(proc, f"{engine} reprocess")
        if engine == "ours":
            peak = max(peak, maxrss)
            produced = re.search(r"produced (\d+)", err)  # its summary, if logged at this level
            if produced and int(produced.group(1)) != records:
                raise RuntimeError(f"ours reprocess produced {produced.group(1)} of {records}")
        # Exactly N: more would be duplicates (Spark's Kafka sink is at-least-once).
        _, _, count_out, _ = self.b.run(self.b.bk("wait-count", "-t", out_topic, "-n", str(records), "--timeout",
                                                  "0"), f"{name}-count")
        count = json.loads(count_out.strip().splitlines()[-1])["count"]
        if count != records:
            raise RuntimeError(f"{engine} reprocess wrote {count} rows to {out_topic}, not {records}")
        return {"seconds": (done_ns - t0) / 1e9, "exit_seconds": (exit_ns - t0) / 1e9, "rss_mb": peak,
                "first_row_s": (first_ns - t0) / 1e9,
                "steady_rate": (records - 1) / max((done_ns - first_ns) / 1e9, 1e-3)}

    def finish_waiter(self, waiter, proc, engine):
        """Bench.finish_first for a batch job, which may exit (with success)
        a moment before the waiter sees the last watermark."""
        deadline = time.monotonic() + 900
        while not self.b.reaped(waiter):
            if self.b.reaped(proc) and proc.returncode != 0:
                waiter.kill()
                raise self.failed(proc, f"{engine} reprocess")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{waiter.rp_name} did not finish in 900 s")
            time.sleep(0.01)
        return self.b.finish(waiter)

    # ---- the comparison -----------------------------------------------------

    def run(self):
        n, small = self.b.args.records, min(SMALL_RECORDS, self.b.args.records // 2)
        self.local.mkdir(exist_ok=True)
        small_topic = self.b.topic("spark-small")
        self.b.run(self.b.bk("produce", "-t", small_topic, "-n", str(small)), "spark-small-load")
        runs = {e: {"sync": [], "reprocess": []} for e in ("ours", "spark")}
        for round_ in range(self.b.args.repeat):
            tables = {}
            for engine in ("ours", "spark"):
                tables[engine, "small"] = self.sync_run(engine, small_topic, small)
                self.log(f"round {round_ + 1}: {engine} sync of {small}: first commit "
                         f"{tables[engine, 'small']['first_commit_s']:.2f} s")
            for engine in ("ours", "spark"):
                tables[engine, "full"] = r = self.sync_run(engine, self.b.input, n)
                self.log(f"round {round_ + 1}: {engine} sync of {n:,}: {r['seconds']:.2f} s, "
                         f"{r['steady_rate']:,.0f} records/s steady, {r['rss_mb']:.0f} MB")
            for engine in ("ours", "spark"):
                r = self.reprocess_run(engine, tables[engine, "full"]["table"], self.b.input, n)
                self.log(f"round {round_ + 1}: {engine} reprocess of {n:,}: {r['seconds']:.2f} s "
                         f"(exit {r['exit_seconds']:.2f} s), {r['steady_rate']:,.0f} rows/s steady, "
                         f"{r['rss_mb']:.0f} MB")
                runs[engine]["reprocess"].append(r)
                sync = {k: v for k, v in tables[engine, "full"].items() if k != "table"}
                sync["first_commit_s"] = tables[engine, "small"]["first_commit_s"]
                runs[engine]["sync"].append(sync)
        result = {"records": n, "small_records": small, "rounds": self.b.args.repeat}
        for engine, jobs in runs.items():
            result[engine] = {job: {key: statistics.median(r[key] for r in rs) for key in rs[0]} | {"runs": rs}
                              for job, rs in jobs.items()}
        self.b.results["spark"] = result
        o, s = result["ours"], result["spark"]
        self.log(f"vs Spark: sync {s['sync']['seconds'] / o['sync']['seconds']:.1f}x faster, "
                 f"reprocess {s['reprocess']['seconds'] / o['reprocess']['seconds']:.1f}x faster")


def assigned_wall_ns(err_path):
    """When ours sync was assigned its partitions, from its log line
    ("2026-12-01T00:28:09.435Z INFO kafka: assigned ..."), in ns since the
    epoch; None if it logged no such line (a lower --log-level)."""
    for line in Path(err_path).read_text().splitlines():
        if " kafka: assigned " in line:
            stamp = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
            return int(stamp.replace(tzinfo=datetime.timezone.utc).timestamp() * 1e6) * 1000
    return None


def report(results):
    """The "vs Spark" table: medians over the rounds, each with ours / Spark."""
    r = results["spark"]
    o, s = r["ours"], r["spark"]

    def row(figure, ours, spark, fmt, lower_is_better, target=None):
        ratio = ours / spark
        better = spark / ours if lower_is_better else ours / spark
        word = ("faster" if fmt == "s" else "less") if lower_is_better else "higher"
        cell = {"s": lambda x: f"{x:.2f} s", "MB": lambda x: f"{x:,.0f} MB", "/s": lambda x: f"{x:,.0f}/s"}[fmt]
        verdict = ""
        if target:
            verdict = f"{target}x: {'met' if better >= target else 'not met'}"
        return f"| {figure} | {cell(ours)} | {cell(spark)} | {ratio:.3g} ({better:.1f}x {word}) | {verdict} |"

    n, small = f"{r['records']:,}", f"{r['small_records']:,}"
    lines = [f"| vs Spark (median of {r['rounds']} alternating rounds) | ours | Spark | ours / Spark | target |",
             "|---|---|---|---|---|",
             row(f"sync: {n} records to a committed table", o["sync"]["seconds"], s["sync"]["seconds"], "s", True, 30),
             row("sync: steady-state records/s, from the start of reading", o["sync"]["steady_rate"],
                 s["sync"]["steady_rate"], "/s", False),
             row("sync: peak memory (process tree RSS)", o["sync"]["rss_mb"], s["sync"]["rss_mb"], "MB", True, 10),
             row(f"sync: startup to the first data commit ({small}-record topic)", o["sync"]["first_commit_s"],
                 s["sync"]["first_commit_s"], "s", True),
             row(f"reprocess full range: {n} rows in the output topic", o["reprocess"]["seconds"],
                 s["reprocess"]["seconds"], "s", True, 30),
             row("reprocess: steady-state rows/s, from the first row out", o["reprocess"]["steady_rate"],
                 s["reprocess"]["steady_rate"], "/s", False),
             row("reprocess: peak memory (process tree RSS)", o["reprocess"]["rss_mb"], s["reprocess"]["rss_mb"],
                 "MB", True, 10),
             row("reprocess: process exit", o["reprocess"]["exit_seconds"], s["reprocess"]["exit_seconds"], "s",
                 True)]
    return "\n".join(lines)
