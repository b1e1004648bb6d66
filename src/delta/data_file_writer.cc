#include "delta/data_file_writer.h"

#include <arrow/compute/api_vector.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/byte_size.h>
#include <parquet/arrow/writer.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "delta/arrow_status.h"
#include "common/uuid.h"
#include "delta/partition_path.h"
#include "delta/partition_value.h"

namespace rp::delta {

std::string ArrowVersion() { return arrow::GetBuildInfo().version_string; }
namespace {

// ---- Grouping rows by partition values, without per-row allocation. ----

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// One partition column, seen as row hashes and row equality.
class KeyColumn {
 public:
  virtual ~KeyColumn() = default;
  // Folds this column's value of every row into hashes[row].
  virtual void Hash(std::vector<uint64_t>* hashes) const = 0;
  virtual bool Equal(int64_t a, int64_t b) const = 0;
};

constexpr uint64_t kNullHash = 0x9e3779b97f4a7c15ULL;

template <typename ArrayT>
class PrimitiveKey final : public KeyColumn {
 public:
  explicit PrimitiveKey(const arrow::Array& a) : array_(static_cast<const ArrayT&>(a)) {}
  void Hash(std::vector<uint64_t>* hashes) const override {
    const auto* values = array_.raw_values();
    for (int64_t i = 0; i < array_.length(); ++i) {
      auto v = values[i];
      if constexpr (std::is_floating_point_v<decltype(v)>) {
        if (v != v) v = std::numeric_limits<decltype(v)>::quiet_NaN();  // one NaN partition
        if (v == 0) v = 0;                                                // -0.0 joins 0.0
      }
      uint64_t bits = 0;
      std::memcpy(&bits, &v, sizeof v);
      uint64_t h = array_.IsNull(i) ? kNullHash : Mix(bits);
      (*hashes)[i] = Mix((*hashes)[i] * 31 + h);
    }
  }
  bool Equal(int64_t a, int64_t b) const override {
    bool na = array_.IsNull(a), nb = array_.IsNull(b);
    if (na || nb) return na == nb;
    auto va = array_.Value(a), vb = array_.Value(b);
    if constexpr (std::is_floating_point_v<decltype(va)>) {
      if (va != va || vb != vb) return va != va && vb != vb;
    }
    return va == vb;
  }

 private:
  const ArrayT& array_;
};

class BooleanKey final : public KeyColumn {
 public:
  explicit BooleanKey(const arrow::Array& a) : array_(static_cast<const arrow::BooleanArray&>(a)) {}
  void Hash(std::vector<uint64_t>* hashes) const override {
    for (int64_t i = 0; i < array_.length(); ++i) {
      uint64_t h = array_.IsNull(i) ? kNullHash : Mix(array_.Value(i) ? 2 : 1);
      (*hashes)[i] = Mix((*hashes)[i] * 31 + h);
    }
  }
  bool Equal(int64_t a, int64_t b) const override {
    bool na = array_.IsNull(a), nb = array_.IsNull(b);
    if (na || nb) return na == nb;
    return array_.Value(a) == array_.Value(b);
  }

 private:
  const arrow::BooleanArray& array_;
};

template <typename ArrayT>
class StringKey final : public KeyColumn {
 public:
  explicit StringKey(const arrow::Array& a) : array_(static_cast<const ArrayT&>(a)) {}
  void Hash(std::vector<uint64_t>* hashes) const override {
    for (int64_t i = 0; i < array_.length(); ++i) {
      // Null and "" share a partition (both are null in the log).
      std::string_view v = array_.IsNull(i) ? std::string_view() : array_.GetView(i);
      uint64_t h = v.empty() ? kNullHash : std::hash<std::string_view>()(v);
      (*hashes)[i] = Mix((*hashes)[i] * 31 + h);
    }
  }
  bool Equal(int64_t a, int64_t b) const override {
    std::string_view va = array_.IsNull(a) ? std::string_view() : array_.GetView(a);
    std::string_view vb = array_.IsNull(b) ? std::string_view() : array_.GetView(b);
    return va == vb;
  }

 private:
  const ArrayT& array_;
};

Result<std::unique_ptr<KeyColumn>> MakeKeyColumn(const arrow::Array& a) {
  switch (a.type_id()) {
    case arrow::Type::INT8: return std::unique_ptr<KeyColumn>(new PrimitiveKey<arrow::Int8Array>(a));
    case arrow::Type::INT16: return std::unique_ptr<KeyColumn>(new PrimitiveKey<arrow::Int16Array>(a));
    case arrow::Type::INT32: return std::unique_ptr<KeyColumn>(new PrimitiveKey<arrow::Int32Array>(a));
    case arrow::Type::INT64: return std::unique_ptr<KeyColumn>(new PrimitiveKey<arrow::Int64Array>(a));
    case arrow::Type::FLOAT: return std::unique_ptr<KeyColumn>(new PrimitiveKey<arrow::FloatArray>(a));
    case arrow::Type::DOUBLE: return std::unique_ptr<KeyColumn>(new PrimitiveKey<arrow::DoubleArray>(a));
    case arrow::Type::DATE32: return std::unique_ptr<KeyColumn>(new PrimitiveKey<arrow::Date32Array>(a));
    case arrow::Type::TIMESTAMP: return std::unique_ptr<KeyColumn>(new PrimitiveKey<arrow::TimestampArray>(a));
    case arrow::Type::BOOL: return std::unique_ptr<KeyColumn>(new BooleanKey(a));
    case arrow::Type::STRING: return std::unique_ptr<KeyColumn>(new StringKey<arrow::StringArray>(a));
    case arrow::Type::LARGE_STRING: return std::unique_ptr<KeyColumn>(new StringKey<arrow::LargeStringArray>(a));
    default: return Status::Unsupported("partition column of type " + a.type()->ToString());
  }
}

struct Grouping {
  std::vector<int64_t> first_row;   // per group, in order of first appearance
  std::vector<int64_t> offsets;     // group g owns rows[offsets[g], offsets[g+1])
  std::vector<int64_t> rows;        // row indices, input order within a group
};

Result<Grouping> GroupRows(const std::vector<std::shared_ptr<arrow::Array>>& keys, int64_t num_rows) {
  Grouping g;
  if (keys.empty()) {
    g.first_row = {0};
    g.offsets = {0, num_rows};
    return g;  // rows stays empty: one group of every row, in order
  }
  std::vector<std::unique_ptr<KeyColumn>> columns;
  for (const auto& k : keys) {
    RP_ASSIGN_OR_RETURN(auto c, MakeKeyColumn(*k));
    columns.push_back(std::move(c));
  }
  auto equal = [&](int64_t a, int64_t b) {
    for (const auto& c : columns) {
      if (!c->Equal(a, b)) return false;
    }
    return true;
  };
  std::vector<uint64_t> hashes(num_rows, 0);
  for (const auto& c : columns) c->Hash(&hashes);

  std::vector<int32_t> group_of(num_rows);
  std::unordered_map<uint64_t, std::vector<int32_t>> by_hash;  // one entry per group, not per row
  std::vector<int64_t> counts;
  for (int64_t row = 0; row < num_rows; ++row) {
    // Rows of one partition usually come in runs: try the previous row first.
    if (row > 0 && hashes[row] == hashes[row - 1] && equal(row, row - 1)) {
      group_of[row] = group_of[row - 1];
      ++counts[group_of[row]];
      continue;
    }
    auto& candidates = by_hash[hashes[row]];
    int32_t found = -1;
    for (int32_t cand : candidates) {
      if (equal(row, g.first_row[cand])) {
        found = cand;
        break;
      }
    }
    if (found < 0) {
      found = static_cast<int32_t>(g.first_row.size());
      candidates.push_back(found);
      g.first_row.push_back(row);
      counts.push_back(0);
    }
    group_of[row] = found;
    ++counts[found];
  }
  g.offsets.assign(counts.size() + 1, 0);
  for (size_t i = 0; i < counts.size(); ++i) g.offsets[i + 1] = g.offsets[i] + counts[i];
  g.rows.resize(num_rows);
  std::vector<int64_t> cursor(g.offsets.begin(), g.offsets.end() - 1);
  for (int64_t row = 0; row < num_rows; ++row) g.rows[cursor[group_of[row]]++] = row;
  return g;
}

// ---- Writing one file. ----

// Streams the file to storage, which makes it durable on Close(); a failure
// anywhere aborts the stream, so no partial file stays behind.
Status WriteParquet(const Storage& storage, const std::string& key, const arrow::RecordBatch& data,
                    const DataFileWriterOptions& options) {
  const std::string where = storage.LocationOf(key);
  RP_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::OutputStream> sink, storage.OpenOutputStream(key));
  Status status = [&]() -> Status {
    parquet::WriterProperties::Builder builder;
    builder.compression(parquet::Compression::SNAPPY)
        ->max_row_group_length(options.row_group_rows > 0 ? options.row_group_rows : 1 << 20);
    for (const auto& column : options.plain_columns) builder.disable_dictionary(column);
    auto props = builder.build();
    // Spark reads microsecond timestamps; nanos would need a newer reader.
    auto arrow_props = parquet::ArrowWriterProperties::Builder()
                           .coerce_timestamps(arrow::TimeUnit::MICRO)
                           ->allow_truncated_timestamps()
                           ->build();
    try {
      auto writer = parquet::arrow::FileWriter::Open(*data.schema(), arrow::default_memory_pool(), sink,
                                                     props, arrow_props);
      if (!writer.ok()) return FromArrow(writer.status(), where, Status::Code::kIOError);
      RP_RETURN_IF_ERROR(FromArrow((*writer)->WriteRecordBatch(data), where, Status::Code::kIOError));
      RP_RETURN_IF_ERROR(FromArrow((*writer)->Close(), where, Status::Code::kIOError));
    } catch (const std::exception& e) {  // parquet internals may throw
      return Status::IOError(where + ": " + e.what());
    }
    return FromArrow(sink->Close(), where, Status::Code::kIOError);
  }();
  if (!status.ok()) (void)sink->Abort();  // an orphan is allowed, but why keep it
  return status;
}

struct FileSpec {
  std::string dir;  // relative, decoded
  PartitionValues values;
  std::shared_ptr<arrow::RecordBatch> data;
};

Result<AddFile> WriteOneFile(const Storage& storage, const FileSpec& spec, int file_index,
                             const DataFileWriterOptions& options) {
  std::string name = NewDataFileName(file_index);
  std::string relative = spec.dir.empty() ? name : spec.dir + "/" + name;
  RP_RETURN_IF_ERROR(WriteParquet(storage, relative, *spec.data, options));

  RP_ASSIGN_OR_RETURN(ObjectInfo written, storage.Stat(relative));
  AddFile add;
  add.path = UriEncodePath(relative);
  add.partition_values = spec.values;
  add.size = written.size;
  add.modification_time = written.modification_time_ms;
  add.data_change = true;
  RP_ASSIGN_OR_RETURN(add.stats, ComputeFileStats(*spec.data, options.stats));
  if (options.block_index) {
    RP_ASSIGN_OR_RETURN(std::optional<std::string> index, ComputeBlockIndex(*spec.data, *options.block_index));
    if (index) add.tags.emplace()[options.block_index->tag] = std::move(*index);
  }
  return add;
}

Result<std::shared_ptr<arrow::RecordBatch>> Gather(const std::shared_ptr<arrow::RecordBatch>& data,
                                                   const Grouping& g, int64_t begin, int64_t end) {
  if (g.rows.empty()) return data->Slice(begin, end - begin);  // one group of every row
  const int64_t first = g.rows[begin];
  if (g.rows[end - 1] - first == end - begin - 1) {
    return data->Slice(first, end - begin);  // a contiguous run: no copy
  }
  auto indices = std::make_shared<arrow::Int64Array>(
      end - begin, arrow::Buffer::Wrap(g.rows.data() + begin, static_cast<size_t>(end - begin)));
  auto taken = arrow::compute::Take(data, indices);
  if (!taken.ok()) return FromArrow(taken.status(), "gathering partition rows", Status::Code::kIOError);
  return taken->record_batch();
}

}  // namespace

std::string NewDataFileName(int file_index) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "part-%05d-%s.c000.snappy.parquet", file_index, NewUuid().c_str());
  return buf;
}

Result<std::vector<AddFile>> WriteDataFiles(const Storage& storage,
                                            const std::vector<std::string>& partition_columns,
                                            const arrow::RecordBatch& batch,
                                            const DataFileWriterOptions& options) {
  const auto& schema = *batch.schema();
  std::vector<std::shared_ptr<arrow::Array>> keys;
  std::vector<bool> is_partition(schema.num_fields(), false);
  for (const auto& name : partition_columns) {
    int i = schema.GetFieldIndex(name);
    if (i < 0) return Status::InvalidArgument("partition column '" + name + "' is not in the schema (or not unique)");
    if (is_partition[i]) return Status::InvalidArgument("partition column '" + name + "' listed twice");
    if (!IsSupportedPartitionType(*schema.field(i)->type())) {
      return Status::Unsupported("partition column '" + name + "' of type " + schema.field(i)->type()->ToString());
    }
    is_partition[i] = true;
    keys.push_back(batch.column(i));
  }
  std::vector<std::shared_ptr<arrow::Field>> data_fields;
  std::vector<std::shared_ptr<arrow::Array>> data_columns;
  for (int i = 0; i < schema.num_fields(); ++i) {
    if (is_partition[i]) continue;
    data_fields.push_back(schema.field(i));
    data_columns.push_back(batch.column(i));
  }
  if (data_fields.empty()) return Status::InvalidArgument("a data file needs at least one non-partition column");
  const int64_t num_rows = batch.num_rows();
  if (num_rows == 0) return std::vector<AddFile>();
  auto data = arrow::RecordBatch::Make(arrow::schema(data_fields), num_rows, data_columns);

  int64_t rows_per_file = options.max_rows_per_file > 0 ? options.max_rows_per_file : num_rows;
  if (options.target_file_size_bytes > 0) {
    int64_t bytes = 0;
    for (const auto& c : data_columns) bytes += arrow::util::TotalBufferSize(*c->data());
    int64_t row_bytes = std::max<int64_t>(1, bytes / num_rows);
    rows_per_file = std::min(rows_per_file, std::max<int64_t>(1, options.target_file_size_bytes / row_bytes));
  }

  RP_ASSIGN_OR_RETURN(Grouping groups, GroupRows(keys, num_rows));

  // One task per file.
  struct FileTask {
    FileSpec spec;
    int64_t begin, end;
  };
  std::vector<FileTask> tasks;
  for (size_t gi = 0; gi + 1 < groups.offsets.size(); ++gi) {
    FileSpec spec;
    const int64_t first_row = groups.first_row[gi];
    for (size_t k = 0; k < partition_columns.size(); ++k) {
      RP_ASSIGN_OR_RETURN(spec.values[partition_columns[k]], SerializePartitionValue(*keys[k], first_row));
    }
    RP_ASSIGN_OR_RETURN(spec.dir, PartitionDirectory(partition_columns, spec.values));
    for (int64_t begin = groups.offsets[gi]; begin < groups.offsets[gi + 1]; begin += rows_per_file) {
      tasks.push_back({spec, begin, std::min(begin + rows_per_file, groups.offsets[gi + 1])});
    }
  }

  // Files are independent: encode them on up to two threads (Parquet
  // encoding and compression were a third of sync's time). Results keep the
  // task order, so the log lists files the same way every run.
  std::vector<Result<AddFile>> written(tasks.size(), Status::Internal("file not written"));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) {
      FileSpec spec = tasks[i].spec;
      auto gathered = Gather(data, groups, tasks[i].begin, tasks[i].end);
      if (!gathered.ok()) {
        written[i] = gathered.status();
        continue;
      }
      spec.data = *gathered;
      written[i] = WriteOneFile(storage, spec, static_cast<int>(i), options);
    }
  };
  if (tasks.size() > 1) {
    std::thread helper(work);
    work();
    helper.join();
  } else {
    work();
  }
  std::vector<AddFile> adds;
  adds.reserve(tasks.size());
  for (auto& w : written) {
    if (!w.ok()) return w.status();
    adds.push_back(std::move(*w));
  }
  return adds;
}

Result<std::vector<AddFile>> WriteDataFiles(const Storage& storage,
                                            const std::vector<std::string>& partition_columns,
                                            const arrow::Table& table, const DataFileWriterOptions& options) {
  auto batch = table.CombineChunksToBatch();
  if (!batch.ok()) return FromArrow(batch.status(), "combining table chunks", Status::Code::kIOError);
  return WriteDataFiles(storage, partition_columns, **batch, options);
}

}  // namespace rp::delta
