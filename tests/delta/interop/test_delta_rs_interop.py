"""Interop between our Delta log layer and delta-rs (deltalake 1.2.1).

(a) A table written by delta-rs -- partitioned, several appends with txn
    markers, a checkpoint, then more commits -- is read by our snapshot code
    (through delta_log_tool inspect) with identical files, protocol, schema,
    metadata and txn versions.
(b) A table whose log we wrote (>= 12 commits, so a checkpoint is involved,
    with real Parquet data files) is read by delta-rs, which sees exactly our
    files, version and txn versions, and can read the data.
(c) Both writers on one table, alternately.
"""
import json
import os
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake

TOOL = os.environ.get("RP_DELTA_LOG_TOOL", "")


@pytest.fixture(scope="module")
def tool():
    assert TOOL and Path(TOOL).is_file(), (
        "set RP_DELTA_LOG_TOOL to the built tests/delta/delta_log_tool (ctest does)")
    return TOOL


def inspect(tool, table, version=None):
    args = [tool, "inspect", str(table)] + ([str(version)] if version is not None else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def append(tool, table, app_id, commits, files=2, create=False):
    args = [tool, "append", str(table), "--app-id", app_id, "--commits", str(commits),
            "--files", str(files), "--data"] + (["--create"] if create else [])
    subprocess.run(args, check=True, capture_output=True, text=True)


def batch(first_offset, rows=4):
    return pa.table({
        "value": pa.array([f"v{first_offset + i}" for i in range(rows)]),
        "offset": pa.array([first_offset + i for i in range(rows)], pa.int64()),
        "ts": pa.array([(first_offset + i) * 1_000_000 for i in range(rows)], pa.timestamp("us", tz="UTC")),
        "partition": pa.array([i % 2 for i in range(rows)], pa.int32()),
    })


def delta_rs_adds(dt):
    """{path: (size, {partition column: value})} as delta-rs sees the table."""
    actions = pa.record_batch(dt.get_add_actions(flatten=False)).to_pylist()
    out = {}
    for a in actions:
        pv = a.get("partition") or {}
        out[a["path"]] = (a["size_bytes"], {k: (None if v is None else str(v)) for k, v in pv.items()})
    return out


def our_adds(snapshot):
    return {f["path"]: (f["size"], f["partitionValues"]) for f in snapshot["files"]}


def test_we_read_a_partitioned_delta_rs_table_with_a_checkpoint(tool, tmp_path):
    table = tmp_path / "from_delta_rs"
    for i in range(7):
        write_deltalake(str(table), batch(10 * i), partition_by=["partition"], mode="append",
                        configuration={"delta.appendOnly": "true"} if i == 0 else None,
                        commit_properties=CommitProperties(app_transactions=[Transaction(f"app-{i % 2}", i)]))
    dt = DeltaTable(str(table))
    dt.create_checkpoint()
    assert (table / "_delta_log" / f"{6:020d}.checkpoint.parquet").exists()
    with_null = batch(90).set_column(3, "partition", pa.array([0, None, 1, None], pa.int32()))
    write_deltalake(str(table), with_null, partition_by=["partition"], mode="append")
    for i in range(8, 10):
        write_deltalake(str(table), batch(10 * i), partition_by=["partition"], mode="append",
                        commit_properties=CommitProperties(app_transactions=[Transaction("app-0", i)]))
    dt = DeltaTable(str(table))

    ours = inspect(tool, table)
    assert ours["version"] == dt.version() == 9
    assert any(pv == {"partition": None} for _, pv in our_adds(ours).values())
    assert our_adds(ours) == delta_rs_adds(dt)
    assert ours["numFiles"] == len(dt.file_uris())
    assert ours["tableSizeBytes"] == sum(size for size, _ in delta_rs_adds(dt).values())
    p = dt.protocol()
    assert ours["protocol"]["minReaderVersion"] == p.min_reader_version
    assert ours["protocol"]["minWriterVersion"] == p.min_writer_version
    m = dt.metadata()
    assert ours["metadata"]["id"] == m.id
    assert ours["metadata"]["partitionColumns"] == m.partition_columns == ["partition"]
    assert ours["metadata"]["configuration"] == m.configuration
    assert json.loads(ours["schemaString"]) == json.loads(dt.schema().to_json())
    assert ours["txns"] == {"app-0": dt.transaction_version("app-0"), "app-1": dt.transaction_version("app-1")}
    assert ours["txns"] == {"app-0": 9, "app-1": 5}

    # Time travel to before the checkpoint, and the checkpoint version itself.
    for version in (3, 6):
        old = DeltaTable(str(table), version=version)
        assert our_adds(inspect(tool, table, version)) == delta_rs_adds(old)

    # A stale hint does not matter.
    (table / "_delta_log" / "_last_checkpoint").write_text('{"version":99,"size":1}')
    assert our_adds(inspect(tool, table)) == delta_rs_adds(dt)


def test_delta_rs_reads_a_table_whose_log_we_wrote(tool, tmp_path):
    table = tmp_path / "ours"
    append(tool, table, "sync-0", commits=8, create=True)
    append(tool, table, "sync-1", commits=5)
    log = table / "_delta_log"
    assert (log / f"{10:020d}.checkpoint.parquet").exists()
    assert json.loads((log / "_last_checkpoint").read_text())["version"] == 10
    assert (log / "_staged_commits").is_dir()

    ours = inspect(tool, table)
    assert ours["version"] == 13
    dt = DeltaTable(str(table))
    assert dt.version() == 13
    assert delta_rs_adds(dt) == our_adds(ours)
    assert len(ours["files"]) == 26
    assert sorted(dt.file_uris()) == sorted(f"{table}/{f['path']}" for f in ours["files"])
    assert dt.transaction_version("sync-0") == 8
    assert dt.transaction_version("sync-1") == 5
    assert dt.transaction_version("nobody") is None
    assert dt.metadata().partition_columns == ["partition"]
    assert dt.metadata().configuration["delta.appendOnly"] == "true"
    assert dt.metadata().configuration["reprocessor.timeZone"] == "UTC"
    assert json.loads(dt.schema().to_json()) == json.loads(ours["schemaString"])
    p = dt.protocol()
    assert (p.min_reader_version, p.min_writer_version) == (1, 2)

    data = dt.to_pyarrow_table()
    assert data.num_rows == 26 * 3
    assert sorted(set(data.column("partition").to_pylist())) == [0, 1]

    # Reading only from our checkpoint: delta-rs agrees without commits 0..10.
    for v in range(0, 11):
        (log / f"{v:020d}.json").unlink()
    dt = DeltaTable(str(table))
    assert dt.version() == 13
    assert delta_rs_adds(dt) == our_adds(ours)
    assert dt.transaction_version("sync-0") == 8


def test_both_writers_append_to_one_table(tool, tmp_path):
    table = tmp_path / "shared"
    append(tool, table, "ours", commits=4, create=True)
    write_deltalake(str(table), batch(1000), partition_by=["partition"], mode="append",
                    commit_properties=CommitProperties(app_transactions=[Transaction("theirs", 1)]))
    append(tool, table, "ours-again", commits=7)  # crosses version 10: our checkpoint
    write_deltalake(str(table), batch(2000), partition_by=["partition"], mode="append")

    dt = DeltaTable(str(table))
    ours = inspect(tool, table)
    assert ours["version"] == dt.version() == 13
    assert our_adds(ours) == delta_rs_adds(dt)
    assert ours["txns"]["theirs"] == dt.transaction_version("theirs") == 1
    assert ours["txns"]["ours-again"] == dt.transaction_version("ours-again") == 7
    assert dt.to_pyarrow_table().num_rows == 11 * 2 * 3 + 2 * 4
