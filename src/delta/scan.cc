#include "delta/scan.h"

#include <arrow/array/concatenate.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/io/interfaces.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include "delta/data_file_path.h"
#include "delta/deletion_vector.h"
#include "delta/file_stats.h"
#include "delta/partition_path.h"
#include "delta/partition_value.h"

namespace rp::delta {
namespace {

Status FromArrow(const arrow::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  if (s.IsIOError()) return Status::IOError(std::string(context) + ": " + s.ToString());
  if (s.IsNotImplemented() || s.IsTypeError())
    return Status::Unsupported(std::string(context) + ": " + s.ToString());
  return Status::Corruption(std::string(context) + ": " + s.ToString());
}

// Everything a file reader needs, shared read-only by the threads.
struct ReadContext {
  const ScanSpec* spec;
  const BoundFilter* filter;
  std::vector<std::shared_ptr<arrow::Field>> needed;  // output columns, then filter-only columns
  std::vector<bool> needed_is_partition;
  std::shared_ptr<arrow::Schema> needed_schema;
  std::shared_ptr<arrow::Schema> output_schema;  // the first output_schema->num_fields() of needed
};

struct FileOutput {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  int64_t rows_read = 0;
  int64_t rows_deleted = 0;
};

// `batch` holds the file's rows from index `first` on; returns it without
// those in `deleted` (ascending row indexes of the whole file).
Result<std::shared_ptr<arrow::RecordBatch>> DropDeletedRows(std::shared_ptr<arrow::RecordBatch> batch,
                                                            int64_t first,
                                                            const std::vector<uint64_t>& deleted,
                                                            const std::string& path) {
  const auto begin = std::lower_bound(deleted.begin(), deleted.end(), static_cast<uint64_t>(first));
  const auto end = std::lower_bound(begin, deleted.end(), static_cast<uint64_t>(first + batch->num_rows()));
  if (begin == end) return batch;
  arrow::Int64Builder kept;
  Status st = FromArrow(kept.Reserve(batch->num_rows() - (end - begin)), "deletion vector of " + path);
  if (!st.ok()) return st;
  auto next = begin;
  for (int64_t i = 0; i < batch->num_rows(); ++i) {
    if (next != end && *next == static_cast<uint64_t>(first + i)) {
      ++next;
      continue;
    }
    kept.UnsafeAppend(i);
  }
  std::shared_ptr<arrow::Array> indices;
  RP_RETURN_IF_ERROR(FromArrow(kept.Finish(&indices), "deletion vector of " + path));
  auto taken = arrow::compute::Take(batch, indices);
  if (!taken.ok()) return FromArrow(taken.status(), "applying the deletion vector of " + path);
  return taken->record_batch();
}

void CollectLeaves(const parquet::arrow::SchemaField& field, std::vector<int>* out) {
  if (field.is_leaf()) {
    out->push_back(field.column_index);
    return;
  }
  for (const auto& child : field.children) CollectLeaves(child, out);
}

Result<std::shared_ptr<arrow::Array>> ConformType(const std::shared_ptr<arrow::Array>& array,
                                                  const arrow::Field& field, const std::string& path) {
  if (array->type()->Equals(*field.type())) return array;
  // Another writer's choice of physical type (e.g. INT96 timestamps read as
  // nanoseconds, large strings): convert when Arrow can do so safely.
  auto cast = arrow::compute::Cast(*array, field.type());
  if (!cast.ok()) {
    return Status::Unsupported(path + ": column '" + field.name() + "' is " + array->type()->ToString() +
                               " in the file, " + field.type()->ToString() + " in the table");
  }
  return *cast;
}

Result<FileOutput> ReadOneFile(const AddFile& add, const ReadContext& ctx) {
  RP_ASSIGN_OR_RETURN(std::optional<std::string> key, DataFileKey(add.path));
  // Named in messages as the storage names it.
  const std::string path = key ? ctx.spec->storage->LocationOf(*key) : add.path;
  RP_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::RandomAccessFile> input,
                      OpenDataFile(*ctx.spec->storage, add.path));
  std::unique_ptr<parquet::arrow::FileReader> reader;
  try {
    auto opened = parquet::arrow::OpenFile(input, arrow::default_memory_pool());
    if (!opened.ok()) return FromArrow(opened.status(), "read " + path);
    reader = std::move(*opened);
  } catch (const std::exception& e) {
    return Status::Corruption("read " + path + ": " + e.what());
  }
  reader->set_use_threads(false);  // parallel across files, not within

  // The rows a deletion vector deletes, by their index in the file.
  std::vector<uint64_t> deleted;
  if (add.deletion_vector) {
    const int64_t file_rows = reader->parquet_reader()->metadata()->num_rows();
    auto rows = LoadDeletionVector(*ctx.spec->storage, *add.deletion_vector, file_rows);
    if (!rows.ok()) return rows.status().WithContext("read " + path);
    deleted = std::move(*rows);
  }

  // Where each needed data column is in the file (-1: absent, all null).
  const auto& manifest = reader->manifest();
  std::vector<int> leaves;
  std::vector<int> file_field_of(ctx.needed.size(), -1);
  for (size_t i = 0; i < ctx.needed.size(); ++i) {
    if (ctx.needed_is_partition[i]) continue;
    for (size_t f = 0; f < manifest.schema_fields.size(); ++f) {
      if (manifest.schema_fields[f].field->name() == ctx.needed[i]->name()) {
        file_field_of[i] = static_cast<int>(f);
        CollectLeaves(manifest.schema_fields[f], &leaves);
        break;
      }
    }
  }
  std::shared_ptr<arrow::Table> table;
  int64_t num_rows = 0;
  try {
    if (!leaves.empty()) {
      RP_RETURN_IF_ERROR(FromArrow(reader->ReadTable(leaves, &table), "read " + path));
      num_rows = table->num_rows();
    } else {
      num_rows = reader->parquet_reader()->metadata()->num_rows();
    }
  } catch (const std::exception& e) {
    return Status::Corruption("read " + path + ": " + e.what());
  }

  // Partition columns are constants of the file.
  std::vector<std::shared_ptr<arrow::Scalar>> constants(ctx.needed.size());
  for (size_t i = 0; i < ctx.needed.size(); ++i) {
    if (!ctx.needed_is_partition[i]) continue;
    auto it = add.partition_values.find(ctx.needed[i]->name());
    std::optional<std::string> text = it == add.partition_values.end() ? std::nullopt : it->second;
    RP_ASSIGN_OR_RETURN(constants[i], ParsePartitionValue(text, ctx.needed[i]->type()));
  }

  FileOutput out;
  out.rows_read = num_rows;
  out.rows_deleted = static_cast<int64_t>(deleted.size());
  // One batch per chunk run of the file's columns (a row group, usually).
  std::vector<std::pair<int64_t, int64_t>> slices;
  if (table) {
    arrow::TableBatchReader batches(*table);
    std::shared_ptr<arrow::RecordBatch> b;
    int64_t offset = 0;
    while (true) {
      RP_RETURN_IF_ERROR(FromArrow(batches.ReadNext(&b), "read " + path));
      if (!b) break;
      slices.emplace_back(offset, b->num_rows());
      offset += b->num_rows();
    }
  } else if (num_rows > 0) {
    slices.emplace_back(0, num_rows);
  }
  for (auto [offset, length] : slices) {
    std::vector<std::shared_ptr<arrow::Array>> columns(ctx.needed.size());
    for (size_t i = 0; i < ctx.needed.size(); ++i) {
      const auto& field = *ctx.needed[i];
      if (ctx.needed_is_partition[i]) {
        auto a = arrow::MakeArrayFromScalar(*constants[i], length);
        if (!a.ok()) return FromArrow(a.status(), "partition column " + field.name());
        columns[i] = *a;
      } else if (file_field_of[i] < 0) {
        auto a = arrow::MakeArrayOfNull(field.type(), length);
        if (!a.ok()) return FromArrow(a.status(), "column " + field.name());
        columns[i] = *a;
      } else {
        auto chunked = table->GetColumnByName(field.name())->Slice(offset, length);
        std::shared_ptr<arrow::Array> a;
        if (chunked->num_chunks() == 1) {
          a = chunked->chunk(0);
        } else {
          auto joined = arrow::Concatenate(chunked->chunks());
          if (!joined.ok()) return FromArrow(joined.status(), "column " + field.name());
          a = *joined;
        }
        RP_ASSIGN_OR_RETURN(columns[i], ConformType(a, field, path));
      }
    }
    auto full = arrow::RecordBatch::Make(ctx.needed_schema, length, std::move(columns));
    RP_ASSIGN_OR_RETURN(full, DropDeletedRows(std::move(full), offset, deleted, path));
    if (full->num_rows() == 0) continue;
    RP_ASSIGN_OR_RETURN(auto selected, ctx.filter->SelectRows(*full));
    if (selected) {
      if (selected->length() == 0) continue;
      auto taken = arrow::compute::Take(full, selected);
      if (!taken.ok()) return FromArrow(taken.status(), "filtering " + path);
      full = taken->record_batch();
    }
    // Drop the columns only the filter needed.
    std::vector<std::shared_ptr<arrow::Array>> projected(
        full->columns().begin(), full->columns().begin() + ctx.output_schema->num_fields());
    out.batches.push_back(
        arrow::RecordBatch::Make(ctx.output_schema, full->num_rows(), std::move(projected)));
  }
  return out;
}

Status Validate(const ScanSpec& spec) {
  if (!spec.schema) return Status::InvalidArgument("scan without a table schema");
  for (const auto& p : spec.partition_columns) {
    if (spec.schema->GetFieldIndex(p) < 0) {
      return Status::InvalidArgument("partition column '" + p + "' is not in the schema (or not unique)");
    }
  }
  for (const auto& c : spec.columns) {
    if (spec.schema->GetFieldIndex(c) < 0) {
      return Status::InvalidArgument("column '" + c + "' is not in the table schema (or not unique)");
    }
  }
  return Status::OK();
}

Result<ScanPlan> PlanWith(const std::vector<AddFile>& files, const BoundFilter& filter) {
  ScanPlan plan;
  plan.metrics.files_total = static_cast<int64_t>(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const AddFile& add = files[i];
    if (!filter.MayMatchPartitions(add.partition_values)) {
      ++plan.metrics.files_pruned;
      continue;
    }
    std::optional<FileStats> stats;
    if (add.stats && !filter.MatchesEverything()) {
      auto parsed = ParseFileStats(*add.stats);
      if (parsed.ok()) stats = std::move(*parsed);  // unreadable stats: just read the file
    }
    if (!filter.MayMatchFile(add.partition_values, stats ? &*stats : nullptr)) {
      ++plan.metrics.files_skipped;
      continue;
    }
    plan.files.push_back(i);
  }
  plan.metrics.files_read = static_cast<int64_t>(plan.files.size());
  return plan;
}

}  // namespace

Result<ScanPlan> PlanScan(const std::vector<AddFile>& files, const ScanSpec& spec) {
  RP_RETURN_IF_ERROR(Validate(spec));
  RP_ASSIGN_OR_RETURN(BoundFilter filter,
                      BoundFilter::Bind(spec.filter, *spec.schema, spec.partition_columns));
  return PlanWith(files, filter);
}

Result<std::shared_ptr<arrow::Table>> ScanResult::ToTable() const {
  auto table = arrow::Table::FromRecordBatches(schema, batches);
  if (!table.ok()) return Status::Internal("assembling scan output: " + table.status().ToString());
  return *table;
}

Result<ScanResult> Scan(const std::vector<AddFile>& files, const ScanSpec& spec) {
  RP_RETURN_IF_ERROR(Validate(spec));
  if (!spec.storage) return Status::InvalidArgument("scan without the table's storage");
  RP_ASSIGN_OR_RETURN(BoundFilter filter,
                      BoundFilter::Bind(spec.filter, *spec.schema, spec.partition_columns));
  RP_ASSIGN_OR_RETURN(ScanPlan plan, PlanWith(files, filter));

  ReadContext ctx;
  ctx.spec = &spec;
  ctx.filter = &filter;
  std::set<std::string> partitions(spec.partition_columns.begin(), spec.partition_columns.end());
  std::vector<std::string> names = spec.columns;
  if (names.empty()) {
    for (const auto& f : spec.schema->fields()) names.push_back(f->name());
  }
  std::vector<std::shared_ptr<arrow::Field>> output_fields;
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (!seen.insert(n).second) return Status::InvalidArgument("column '" + n + "' projected twice");
    output_fields.push_back(spec.schema->GetFieldByName(n));
  }
  ctx.needed = output_fields;
  for (const auto& n : filter.Columns()) {
    if (seen.insert(n).second) ctx.needed.push_back(spec.schema->GetFieldByName(n));
  }
  for (const auto& f : ctx.needed) ctx.needed_is_partition.push_back(partitions.count(f->name()) > 0);
  ctx.needed_schema = arrow::schema(ctx.needed);
  ctx.output_schema = arrow::schema(output_fields);

  const size_t n = plan.files.size();
  std::vector<std::optional<Result<FileOutput>>> outputs(n);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&]() {
    size_t i;
    while (!failed.load() && (i = next.fetch_add(1)) < n) {
      outputs[i] = ReadOneFile(files[plan.files[i]], ctx);
      if (!outputs[i]->ok()) failed.store(true);
    }
  };
  size_t threads = spec.num_threads > 0 ? static_cast<size_t>(spec.num_threads)
                                        : std::max<size_t>(1, std::thread::hardware_concurrency());
  threads = std::min(threads, n);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();

  ScanResult result;
  result.schema = ctx.output_schema;
  result.metrics = plan.metrics;
  for (size_t i = 0; i < n; ++i) {
    if (!outputs[i]) continue;  // not started because another file failed
    if (!outputs[i]->ok()) return outputs[i]->status();
    FileOutput& out = outputs[i]->value();
    result.metrics.rows_read += out.rows_read;
    result.metrics.rows_deleted += out.rows_deleted;
    for (auto& b : out.batches) {
      result.metrics.rows_matched += b->num_rows();
      result.batches.push_back(std::move(b));
    }
  }
  if (failed.load()) return Status::Internal("a scan worker failed without an error");
  return result;
}

}  // namespace rp::delta
