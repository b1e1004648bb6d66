"""`reprocessor read-table` and `reprocessor table-info`, judged against delta-rs.

Time travel (--version) must give exactly the rows delta-rs gives at that
version, before and after a checkpoint; table-info must report the version,
protocol, schema, partition columns, files, bytes, rows and txn versions
delta-rs sees; a damaged log must be one error line naming the bad file.
"""
import json
import shutil

import pyarrow as pa
import pytest
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake

from interop_util import (append, check_binaries, delta_rs_rows, demo_batch, our_rows, reprocessor, sorted_rows,
                          tool_rows)

COMMITS_0, COMMITS_1 = 12, 2  # sync-0 writes versions 1..12 (checkpoint at 10), sync-1 13..14


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    check_binaries()
    table = tmp_path_factory.mktemp("cli") / "ours"
    append(table, "sync-0", commits=COMMITS_0, create=True)
    append(table, "sync-1", commits=COMMITS_1)
    assert (table / "_delta_log" / f"{10:020d}.checkpoint.parquet").exists()
    return table


@pytest.fixture(scope="module")
def theirs(tmp_path_factory):
    check_binaries()
    table = tmp_path_factory.mktemp("cli") / "theirs"
    for i in range(4):
        write_deltalake(str(table), demo_batch(10 * i), partition_by=["partition"], mode="append",
                        configuration={"delta.checkpointInterval": "3"} if i == 0 else None,
                        commit_properties=CommitProperties(app_transactions=[Transaction("rs", i + 1)]))
    DeltaTable(str(table)).create_checkpoint()
    return table


def rows_at(version):
    """What our tool had written once `version` was committed."""
    return sorted_rows(tool_rows("sync-0", min(version, COMMITS_0)) +
                       tool_rows("sync-1", max(0, version - COMMITS_0)))


@pytest.mark.parametrize("version", [0, 1, 5, 9, 10, 11, 13, 14])
def test_read_table_at_a_version_gives_exactly_the_rows_of_that_version(ours, version):
    expected = rows_at(version)
    assert our_rows(ours, version) == expected
    assert delta_rs_rows(ours, version) == expected


def test_read_table_without_a_version_reads_the_latest(ours):
    assert our_rows(ours) == rows_at(COMMITS_0 + COMMITS_1) == delta_rs_rows(ours)


def test_read_table_prints_rows_in_partition_then_offset_order(ours):
    r = reprocessor("read-table", "--table", ours, "--format", "jsonl", "--version", 3)
    assert r.returncode == 0, r.stderr
    keys = [(o["partition"], o["offset"]) for o in map(json.loads, r.stdout.splitlines())]
    nulls_first = [(p is not None, p or 0, off) for p, off in keys]
    assert nulls_first == sorted(nulls_first)  # nulls first, as Spark orders
    assert len(keys) == 3 * 4 * 3


def table_info(table, *args):
    r = reprocessor("table-info", "--table", table, *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def expected_info(table, version=None):
    """The facts table-info must show, as delta-rs sees them."""
    dt = DeltaTable(str(table), version=version)
    adds = pa.record_batch(dt.get_add_actions(flatten=True)).to_pylist()
    schema = json.loads(dt.schema().to_json())
    apps = ["sync-0", "sync-1", "rs"]
    return {
        "version": dt.version(),
        "protocol": {"minReaderVersion": dt.protocol().min_reader_version,
                     "minWriterVersion": dt.protocol().min_writer_version},
        "id": dt.metadata().id,
        "schema": [{"name": f["name"], "type": f["type"], "nullable": f["nullable"]} for f in schema["fields"]],
        "partitionColumns": dt.metadata().partition_columns,
        "configuration": dt.metadata().configuration,
        "files": len(adds),
        "bytes": sum(a["size_bytes"] for a in adds),
        "rows": dt.to_pyarrow_table().num_rows,
        "txns": {app: dt.transaction_version(app) for app in apps if dt.transaction_version(app) is not None},
    }


@pytest.mark.parametrize("which,version", [("ours", None), ("ours", 5), ("ours", 10), ("theirs", None),
                                           ("theirs", 1)])
def test_table_info_json_reports_what_delta_rs_sees(request, which, version):
    table = request.getfixturevalue(which)
    args = ["--format", "json"] + (["--version", version] if version is not None else [])
    out = table_info(table, *args)
    assert out.count("\n") == 1
    info = json.loads(out)
    assert info.pop("path") == str(table)
    assert info == expected_info(table, version)


def test_table_info_json_counts_for_our_table(ours):
    info = json.loads(table_info(ours, "--format", "json", "--version", 5))
    assert (info["version"], info["files"], info["rows"], info["txns"]) == (5, 5 * 4, 5 * 4 * 3, {"sync-0": 5})
    assert info["partitionColumns"] == ["partition"]
    assert [(c["name"], c["type"]) for c in info["schema"]] == [
        ("value", "string"), ("offset", "long"), ("ts", "timestamp"), ("partition", "integer")]


@pytest.mark.parametrize("version", [None, 11])
def test_table_info_text_shows_the_same_facts(ours, version):
    args = ["--version", version] if version is not None else []
    facts = expected_info(ours, version)
    lines = table_info(ours, *args).splitlines()
    assert f"table:       {ours}" in lines
    assert f"version:     {facts['version']}" in lines
    assert f"id:          {facts['id']}" in lines
    p = facts["protocol"]
    assert f"protocol:    reader {p['minReaderVersion']}, writer {p['minWriterVersion']}" in lines
    start = lines.index("schema:")
    assert lines[start + 1:start + 1 + len(facts["schema"])] == [
        f"  {c['name']} {c['type']}" + ("" if c["nullable"] else " NOT NULL") for c in facts["schema"]]
    assert "partitioned: partition" in lines
    assert [line for line in lines if line.startswith("config:")] == [
        f"config:      {k}={v}" for k, v in sorted(facts["configuration"].items())]
    assert f"files:       {facts['files']}" in lines
    assert f"bytes:       {facts['bytes']}" in lines
    assert f"rows:        {facts['rows']}" in lines
    assert [line for line in lines if line.startswith("txn:")] == [
        f"txn:         {app} = {v}" for app, v in sorted(facts["txns"].items())]


def expect_one_error_line(result, *mentions, code=1):
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("reprocessor: ")
    for m in mentions:
        assert str(m) in result.stderr


@pytest.fixture
def damaged(ours, tmp_path):
    table = tmp_path / "damaged"
    shutil.copytree(ours, table)
    return table


def test_a_truncated_commit_is_one_error_line_naming_the_file(damaged):
    commit = damaged / "_delta_log" / f"{12:020d}.json"  # replayed after the checkpoint at 10
    commit.write_bytes(commit.read_bytes()[:-30])
    for command in ("read-table", "table-info"):
        expect_one_error_line(reprocessor(command, "--table", damaged), commit)
    # Versions before the damage are still readable.
    assert our_rows(damaged, 11) == rows_at(11)


def test_a_garbled_commit_is_one_error_line_naming_the_file_and_line(damaged):
    commit = damaged / "_delta_log" / f"{13:020d}.json"
    commit.write_text('{"commitInfo":{}}\n{"add": [\n')
    expect_one_error_line(reprocessor("read-table", "--table", damaged, "--format", "jsonl"), commit, "line 2")


def test_a_corrupted_checkpoint_is_one_error_line_naming_the_file(damaged):
    checkpoint = damaged / "_delta_log" / f"{10:020d}.checkpoint.parquet"
    checkpoint.write_bytes(b"PAR1 this is not parquet PAR1")
    expect_one_error_line(reprocessor("read-table", "--table", damaged), checkpoint)
    expect_one_error_line(reprocessor("table-info", "--table", damaged, "--format", "json"), checkpoint)


def test_a_missing_commit_is_one_error_line_naming_it(damaged):
    missing = damaged / "_delta_log" / f"{12:020d}.json"
    missing.unlink()
    expect_one_error_line(reprocessor("read-table", "--table", damaged), missing)


def test_a_missing_version_or_table_is_a_usage_error(ours, tmp_path):
    expect_one_error_line(reprocessor("read-table", "--table", ours, "--version", 99), "no version 99", code=2)
    expect_one_error_line(reprocessor("table-info", "--table", tmp_path, "--format", "json"), "no Delta table",
                          code=2)
