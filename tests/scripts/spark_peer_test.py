"""bench/spark/spark_peer.py's measurements, without Spark: the full
`bench/run --with-spark` needs PySpark, its jars and minutes per run, too much
for CI, so the parts that turn observations into figures are checked here.

  - TableWatcher counts the rows of data-changing adds only (a compaction's
    rewrite does not count twice) and notes the first version with data;
  - TreeRss sums a process tree (a child's memory counts) and keeps the peak;
  - ours sync's assignment time is read from its log line, or absent;
  - the report gives ours / Spark and judges the targets the right way round;
  - bench/run runs the Spark figure only when asked (--with-spark, --only spark).

Run: .venv/bin/python -m pytest tests/scripts/spark_peer_test.py
"""
import datetime
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "spark"))
import spark_peer  # noqa: E402


def load_bench_run():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_commit(table, version, actions):
    log = Path(table) / "_delta_log"
    log.mkdir(parents=True, exist_ok=True)
    (log / f"{version:020d}.json").write_text("".join(json.dumps(a) + "\n" for a in actions))


def add(path, rows, data_change=True):
    return {"add": {"path": path, "partitionValues": {}, "size": 1, "modificationTime": 0, "dataChange": data_change,
                    "stats": json.dumps({"numRecords": rows})}}


def test_table_watcher_counts_data_changing_rows(tmp_path):
    watcher = spark_peer.TableWatcher(tmp_path)
    watcher.poll()
    assert (watcher.version, watcher.rows, watcher.first_data_ns) == (0, 0, None)

    write_commit(tmp_path, 0, [{"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}}, {"metaData": {}}])
    watcher.poll()
    assert (watcher.version, watcher.rows, watcher.first_data_ns) == (1, 0, None)

    write_commit(tmp_path, 1, [add("a", 3), add("b", 4), {"txn": {"appId": "x-0", "version": 6}}])
    before = time.monotonic_ns()
    watcher.poll()
    assert (watcher.version, watcher.rows, watcher.first_data_rows) == (2, 7, 7)
    assert watcher.first_data_ns >= before

    first = watcher.first_data_ns
    # A compaction: the same 7 rows rewritten, dataChange=false; then more data.
    write_commit(tmp_path, 2, [add("ab", 7, data_change=False), {"remove": {"path": "a", "dataChange": False}}])
    write_commit(tmp_path, 3, [add("c", 5)])
    watcher.poll()
    assert (watcher.version, watcher.rows, watcher.first_data_rows) == (4, 12, 7)
    assert watcher.first_data_ns == first


def test_tree_rss_counts_children(tmp_path):
    # A parent that holds ~10 MB and starts a child that touches 150 MB.
    child = "b = bytearray(150 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); open(r'{}', 'w').close(); " \
            "import time; time.sleep(30)".format(tmp_path / "ready")
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    proc = subprocess.Popen([sys.executable, "-c", parent], start_new_session=True)
    try:
        rss = spark_peer.TreeRss(proc.pid)
        deadline = time.monotonic() + 30
        while not (tmp_path / "ready").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)  # past a rescan of the tree and a few samples
        peak = rss.stop()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the test's own session: parent and child
        proc.wait()
    assert 150 < peak < 400, peak


def test_assigned_time_from_the_log(tmp_path):
    err = tmp_path / "sync.err"
    err.write_text("2026-12-01T00:28:09.421Z INFO sync: visits -> /t (layout seed)\n"
                   "2026-12-01T00:28:09.435Z INFO kafka: assigned visits[0], visits[1], visits[2]\n")
    want = datetime.datetime(2026, 12, 1, 0, 28, 9, 435000, tzinfo=datetime.timezone.utc)
    assert spark_peer.assigned_wall_ns(err) == int(want.timestamp()) * 10**9 + 435 * 10**6
    err.write_text("2026-12-01T00:28:10.108Z INFO sync: version 1: 20000 records in 48 files\n")
    assert spark_peer.assigned_wall_ns(err) is None


def synthetic_results(ours_seconds, spark_seconds, ours_mb, spark_mb):
    def job(seconds, mb, rate):
        return {"seconds": seconds, "rss_mb": mb, "steady_rate": rate, "first_commit_s": seconds / 4,
                "exit_seconds": seconds + 1}
    return {"spark": {"records": 1000000, "small_records": 1000, "rounds": 2,
                      "ours": {"sync": job(ours_seconds, ours_mb, 500000), "reprocess": job(ours_seconds, ours_mb, 1)},
                      "spark": {"sync": job(spark_seconds, spark_mb, 50000),
                                "reprocess": job(spark_seconds, spark_mb, 1)}}}


def test_report_ratios_and_targets():
    rows = spark_peer.report(synthetic_results(1.0, 40.0, 100.0, 1500.0)).splitlines()
    sync = next(r for r in rows if r.startswith("| sync: 1,000,000 records"))
    assert "| 1.00 s | 40.00 s | 0.025 (40.0x faster) | 30x: met |" in sync
    memory = next(r for r in rows if r.startswith("| sync: peak memory"))
    assert "| 100 MB | 1,500 MB | 0.0667 (15.0x less) | 10x: met |" in memory
    rate = next(r for r in rows if r.startswith("| sync: steady-state"))
    assert "| 500,000/s | 50,000/s | 10 (10.0x higher) |" in rate

    rows = spark_peer.report(synthetic_results(2.0, 40.0, 200.0, 1500.0)).splitlines()
    sync = next(r for r in rows if r.startswith("| sync: 1,000,000 records"))
    assert "(20.0x faster) | 30x: not met |" in sync
    memory = next(r for r in rows if r.startswith("| sync: peak memory"))
    assert "(7.5x less) | 10x: not met |" in memory


def test_spark_runs_only_when_asked():
    run = load_bench_run()
    assert "spark" not in run.FIGURES
    assert run.figures("spark") == ["baselines", "spark"]
    assert run.figures("sync,spark") == ["baselines", "sync", "spark"]
    with pytest.raises(run.argparse.ArgumentTypeError):
        run.figures("sparkle")
