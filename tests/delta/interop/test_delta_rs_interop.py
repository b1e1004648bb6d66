"""Interop between our Delta layer and delta-rs (deltalake 1.2.1), row for row.

Our side writes through the product's data file writer and transactions
(delta_log_tool append --data) and reads through `reprocessor read-table`;
every test compares the actual row values, not only file lists.

(a) A table written by delta-rs -- partitioned, several appends with txn
    markers, a checkpoint, then more commits -- is read by us with identical
    rows, files, protocol, schema, metadata and txn versions.
(b) A table we wrote (>= 12 commits, so our checkpoint is involved) is read
    by delta-rs with exactly our rows, also from the checkpoint alone.
(c) delta-rs appends to our table and we read every row; we append to a
    table delta-rs created and delta-rs reads every row.
"""
import json

import pyarrow as pa
import pytest
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake

from interop_util import (append, arrow_rows, check_binaries, delta_rs_rows, demo_batch, inspect, our_rows,
                          sorted_rows, tool_rows)


@pytest.fixture(scope="module", autouse=True)
def binaries():
    check_binaries()


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


def test_we_read_a_partitioned_delta_rs_table_with_a_checkpoint(tmp_path):
    table = tmp_path / "from_delta_rs"
    written = []  # the batches, by version
    for i in range(7):
        written.append(demo_batch(10 * i))
        write_deltalake(str(table), written[-1], partition_by=["partition"], mode="append",
                        configuration={"delta.appendOnly": "true"} if i == 0 else None,
                        commit_properties=CommitProperties(app_transactions=[Transaction(f"app-{i % 2}", i)]))
    dt = DeltaTable(str(table))
    dt.create_checkpoint()
    assert (table / "_delta_log" / f"{6:020d}.checkpoint.parquet").exists()
    written.append(demo_batch(90).set_column(3, "partition", pa.array([0, None, 1, None], pa.int32())))
    write_deltalake(str(table), written[-1], partition_by=["partition"], mode="append")
    for i in range(8, 10):
        written.append(demo_batch(10 * i))
        write_deltalake(str(table), written[-1], partition_by=["partition"], mode="append",
                        commit_properties=CommitProperties(app_transactions=[Transaction("app-0", i)]))
    dt = DeltaTable(str(table))

    expected = sorted_rows([row for b in written for row in arrow_rows(b)])
    assert delta_rs_rows(table) == expected
    assert our_rows(table) == expected

    ours = inspect(table)
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

    # Time travel to before the checkpoint, and to the checkpoint version itself.
    for version in (3, 6):
        assert our_adds(inspect(table, version)) == delta_rs_adds(DeltaTable(str(table), version=version))
        at_version = sorted_rows([row for b in written[:version + 1] for row in arrow_rows(b)])
        assert our_rows(table, version) == delta_rs_rows(table, version) == at_version

    # A stale hint does not matter.
    (table / "_delta_log" / "_last_checkpoint").write_text('{"version":99,"size":1}')
    assert our_adds(inspect(table)) == delta_rs_adds(dt)
    assert our_rows(table) == expected


def test_delta_rs_reads_a_table_we_wrote(tmp_path):
    table = tmp_path / "ours"
    append(table, "sync-0", commits=8, create=True)
    append(table, "sync-1", commits=5)
    expected = sorted_rows(tool_rows("sync-0", 8) + tool_rows("sync-1", 5))
    log = table / "_delta_log"
    assert (log / f"{10:020d}.checkpoint.parquet").exists()
    assert json.loads((log / "_last_checkpoint").read_text())["version"] == 10
    assert (log / "_staged_commits").is_dir()

    ours = inspect(table)
    assert ours["version"] == 13
    dt = DeltaTable(str(table))
    assert dt.version() == 13
    assert delta_rs_rows(table) == expected
    assert our_rows(table) == expected
    assert any(value is None for value, _, _, _ in expected)
    assert {partition for _, _, _, partition in expected} == {0, 1, None}

    assert delta_rs_adds(dt) == our_adds(ours)
    assert len(ours["files"]) == 13 * 4
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

    # Reading only from our checkpoint: delta-rs agrees without commits 0..10.
    for v in range(0, 11):
        (log / f"{v:020d}.json").unlink()
    dt = DeltaTable(str(table))
    assert dt.version() == 13
    assert delta_rs_adds(dt) == our_adds(ours)
    assert dt.transaction_version("sync-0") == 8
    assert delta_rs_rows(table) == expected
    assert our_rows(table) == expected


def test_delta_rs_appends_to_our_table_and_we_read_every_row(tmp_path):
    table = tmp_path / "ours"
    append(table, "ours", commits=4, create=True)
    theirs = [demo_batch(1000), demo_batch(2000)]
    write_deltalake(str(table), theirs[0], partition_by=["partition"], mode="append",
                    commit_properties=CommitProperties(app_transactions=[Transaction("theirs", 1)]))
    write_deltalake(str(table), theirs[1], mode="append")
    append(table, "ours-again", commits=5)  # crosses version 10: our checkpoint holds their adds
    theirs.append(demo_batch(3000))
    write_deltalake(str(table), theirs[2], mode="append")
    expected = sorted_rows(tool_rows("ours", 4) + tool_rows("ours-again", 5) +
                           [row for b in theirs for row in arrow_rows(b)])

    dt = DeltaTable(str(table))
    assert dt.version() == 12
    assert (table / "_delta_log" / f"{10:020d}.checkpoint.parquet").exists()
    assert our_rows(table) == expected
    assert delta_rs_rows(table) == expected
    ours = inspect(table)
    assert ours["version"] == 12
    assert our_adds(ours) == delta_rs_adds(dt)
    assert ours["txns"] == {"ours": 4, "theirs": 1, "ours-again": 5}


def test_we_append_to_a_delta_rs_table_and_delta_rs_reads_every_row(tmp_path):
    table = tmp_path / "theirs"
    theirs = [demo_batch(0), demo_batch(10)]
    write_deltalake(str(table), theirs[0], partition_by=["partition"])
    write_deltalake(str(table), theirs[1], mode="append")
    append(table, "ours", commits=12)  # versions 2..13; we write the checkpoint at 10
    expected = sorted_rows(tool_rows("ours", 12) + [row for b in theirs for row in arrow_rows(b)])

    assert (table / "_delta_log" / f"{10:020d}.checkpoint.parquet").exists()
    dt = DeltaTable(str(table))
    assert dt.version() == 13
    assert dt.transaction_version("ours") == 12
    assert delta_rs_rows(table) == expected
    assert our_rows(table) == expected
    # Their versions are untouched by our appends.
    first_two = sorted_rows([row for b in theirs for row in arrow_rows(b)])
    assert delta_rs_rows(table, 1) == our_rows(table, 1) == first_two
