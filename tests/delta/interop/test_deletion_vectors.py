"""Deletion vectors, judged against Spark and delta-rs.

The fixture tests/delta/fixtures/spark_dv_table is a table Spark wrote with
deletion vectors (fixtures/make_dv_table.py); spark_dv_table.expected.json
holds the rows Spark reads at each version. `reprocessor read-table` must give
exactly those rows, and the table must stay readable by delta-rs, with the same
rows, after each of our maintenance operations: optimize (which rewrites files
that have DVs), a checkpoint we write (with add/remove.deletionVector structs)
and vacuum. delta-rs reads DVs only through its DataFusion QueryBuilder.
"""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, QueryBuilder

from interop_util import TOOL, check_binaries, reprocessor

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "spark_dv_table"
EXPECTED = json.loads((FIXTURE.parent / "spark_dv_table.expected.json").read_text())
LATEST = EXPECTED["latest_version"]
COLUMNS = ["value", "partition", "offset", "year", "month", "day", "hour"]


def key(row):
    return tuple(row[c] for c in COLUMNS)


def spark_rows(version=LATEST):
    return sorted(map(key, EXPECTED["versions"][str(version)]))


def delta_rs_rows(table, version=None):
    dt = DeltaTable(str(table), version=version)
    result = pa.table(QueryBuilder().register("t", dt).execute("select * from t").read_all())
    return sorted(map(key, result.to_pylist()))


def our_rows(table, version=None):
    args = ["read-table", "--table", table, "--format", "jsonl"]
    if version is not None:
        args += ["--version", version]
    r = reprocessor(*args)
    assert r.returncode == 0, r.stderr
    return sorted(key(json.loads(line)) for line in r.stdout.splitlines())


@pytest.fixture
def copy(tmp_path):
    check_binaries()
    table = tmp_path / "table"
    shutil.copytree(FIXTURE, table)
    return table


def test_the_fixture_has_file_dvs_that_spark_and_delta_rs_agree_on():
    check_binaries()
    log = [json.loads(line) for v in range(LATEST + 1)
           for line in (FIXTURE / "_delta_log" / f"{v:020d}.json").read_text().splitlines()]
    dvs = [a["add"]["deletionVector"] for a in log if "add" in a and a["add"].get("deletionVector")]
    assert dvs and all(dv["storageType"] == "u" for dv in dvs)
    assert (FIXTURE / "_delta_log" / f"{4:020d}.checkpoint.parquet").exists()
    for version in range(1, LATEST + 1):
        assert delta_rs_rows(FIXTURE, version) == spark_rows(version), f"version {version}"


@pytest.mark.parametrize("version", [None] + list(range(LATEST + 1)))
def test_read_table_gives_the_rows_spark_gives(version):
    check_binaries()
    want = spark_rows(LATEST if version is None else version)
    assert our_rows(FIXTURE, version) == want


def test_table_info_counts_the_rows_left():
    check_binaries()
    r = reprocessor("table-info", "--table", FIXTURE, "--format", "json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["rows"] == len(spark_rows())
    assert info["version"] == LATEST


def test_optimize_checkpoint_and_vacuum_keep_the_table_readable_by_delta_rs(copy):
    r = reprocessor("optimize", "--table", copy)
    assert r.returncode == 0, r.stderr
    assert "version 7" in r.stdout + r.stderr
    assert delta_rs_rows(copy) == spark_rows()
    assert our_rows(copy) == spark_rows()
    # The optimize commit removed each file with the DV it had.
    commit = [json.loads(line) for line in (copy / "_delta_log" / f"{7:020d}.json").read_text().splitlines()]
    removes = [a["remove"] for a in commit if "remove" in a]
    assert len(removes) == 2 and all(r["deletionVector"]["storageType"] == "u" for r in removes)

    # Our checkpoint of version 7 (the remaining file's DV, removes with DVs)
    # is what delta-rs reads the table from.
    subprocess.run([TOOL, "checkpoint", str(copy)], check=True, capture_output=True, text=True)
    assert json.loads((copy / "_delta_log" / "_last_checkpoint").read_text())["version"] == 7
    assert delta_rs_rows(copy) == spark_rows()
    assert our_rows(copy) == spark_rows()
    for version in range(1, LATEST + 1):  # older versions still read from Spark's log
        assert delta_rs_rows(copy, version) == spark_rows(version), f"version {version}"

    # Vacuum with every file old and no retention: what only old versions
    # needed goes (DV files included); the latest version stays whole.
    month_ago = time.time() - 30 * 24 * 3600
    for path in copy.rglob("*"):
        if path.is_file() and "_delta_log" not in path.parts:
            os.utime(path, (month_ago, month_ago))
    dvs_before = {p.name for p in copy.glob("deletion_vector_*.bin")}
    r = reprocessor("vacuum", "--table", copy, "--retain-hours", "0", "--force", "--format", "json")
    assert r.returncode == 0, r.stderr
    deleted = json.loads(r.stdout)
    assert deleted["files"], r.stdout
    dvs_after = {p.name for p in copy.glob("deletion_vector_*.bin")}
    assert len(dvs_after) == 1 and dvs_after < dvs_before
    assert delta_rs_rows(copy) == spark_rows()
    assert our_rows(copy) == spark_rows()
