"""Helpers shared by the interop tests: our binaries, delta-rs, and rows.

A row is (value, offset, ts in microseconds since the epoch, partition), the
columns of the demo table that tests/delta/tools/delta_log_tool writes.
"""
import calendar
import datetime
import json
import os
import subprocess
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable

TOOL = os.environ.get("RP_DELTA_LOG_TOOL", "")
REPROCESSOR = os.environ.get("RP_REPROCESSOR", "")
COLUMNS = ["value", "offset", "ts", "partition"]


def check_binaries():
    assert TOOL and Path(TOOL).is_file(), "set RP_DELTA_LOG_TOOL to the built delta_log_tool (ctest does)"
    assert REPROCESSOR and Path(REPROCESSOR).is_file(), "set RP_REPROCESSOR to the built reprocessor (ctest does)"


def inspect(table, version=None):
    """Our snapshot of `table` as delta_log_tool inspect prints it."""
    args = [TOOL, "inspect", str(table)] + ([str(version)] if version is not None else [])
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def append(table, app_id, commits, files=4, create=False):
    """`commits` commits of `files` real data files each, through our writer."""
    args = [TOOL, "append", str(table), "--app-id", app_id, "--commits", str(commits), "--files", str(files),
            "--data"] + (["--create"] if create else [])
    subprocess.run(args, check=True, capture_output=True, text=True)


def reprocessor(*args):
    return subprocess.run([REPROCESSOR, *map(str, args)], capture_output=True, text=True)


def tool_rows(app_id, commits, files=4, first_commit=1):
    """The rows `append` writes (delta_log_tool's DemoRows, recomputed)."""
    rows = []
    for c in range(first_commit, first_commit + commits):
        for f in range(files):
            partition = None if f % 4 == 3 else f % 2
            for i in range(3):
                offset = c * 100 + f * 10 + i
                value = None if i == 2 else f"{app_id}-{offset}" + (' "é\\\n\t✓' if i == 1 else "")
                ts = None if i == 2 else offset * 1_000_000 + 123
                rows.append((value, offset, ts, partition))
    return sorted_rows(rows)


def demo_batch(first_offset, rows=4):
    """A batch for delta-rs to write: text that needs escaping, nulls, microseconds."""
    return pa.table({
        "value": pa.array([None if i == 3 else f"v{first_offset + i}" + (" ü\"\\\r" if i == 1 else "")
                           for i in range(rows)]),
        "offset": pa.array([first_offset + i for i in range(rows)], pa.int64()),
        "ts": pa.array([None if i == 2 else (first_offset + i) * 1_000_000 + 7 for i in range(rows)],
                       pa.timestamp("us", tz="UTC")),
        "partition": pa.array([i % 2 for i in range(rows)], pa.int32()),
    })


def sorted_rows(rows):
    return sorted(rows, key=repr)


def arrow_rows(table):
    t = table.select(COLUMNS)
    cols = [t.column("value").to_pylist(), t.column("offset").to_pylist(),
            t.column("ts").cast(pa.int64()).to_pylist(), t.column("partition").to_pylist()]
    return sorted_rows(list(zip(*cols)))


def delta_rs_rows(table, version=None):
    """Every row of the table as delta-rs reads it."""
    return arrow_rows(DeltaTable(str(table), version=version).to_pyarrow_table())


def _micros(text):
    """'yyyy-MM-dd HH:mm:ss[.f…]' (UTC, as read-table prints timestamps) -> micros."""
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S"
    t = datetime.datetime.strptime(text, fmt)
    return calendar.timegm(t.timetuple()) * 1_000_000 + t.microsecond


def our_rows(table, version=None):
    """Every row of the table as `reprocessor read-table --format jsonl` prints it."""
    args = ["read-table", "--table", table, "--format", "jsonl"]
    if version is not None:
        args += ["--version", version]
    r = reprocessor(*args)
    assert r.returncode == 0, r.stderr
    rows = []
    for line in r.stdout.splitlines():
        o = json.loads(line)
        assert list(o) == COLUMNS, line
        rows.append((o["value"], o["offset"], None if o["ts"] is None else _micros(o["ts"]), o["partition"]))
    return sorted_rows(rows)
