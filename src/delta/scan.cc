#include "delta/scan.h"

#include <arrow/array/concatenate.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/io/interfaces.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>
#include <parquet/statistics.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include "delta/arrow_status.h"
#include "delta/data_file_path.h"
#include "delta/deletion_vector.h"
#include "delta/file_stats.h"
#include "delta/parallel_for.h"
#include "delta/partition_path.h"
#include "delta/partition_value.h"

namespace rp::delta {
namespace {

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
  Status st = FromArrow(kept.Reserve(batch->num_rows() - (end - begin)), "deletion vector of " + path,
                        Status::Code::kCorruption);
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
  RP_RETURN_IF_ERROR(
      FromArrow(kept.Finish(&indices), "deletion vector of " + path, Status::Code::kCorruption));
  auto taken = arrow::compute::Take(batch, indices);
  if (!taken.ok())
    return FromArrow(taken.status(), "applying the deletion vector of " + path, Status::Code::kCorruption);
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

// A whole file, for Scan(): every row group that may match, Parquet coalescing its reads.
Result<FileOutput> ReadOneFile(const Scanner& scanner, const AddFile& add) {
  FileScanOptions options;
  options.streaming = false;
  RP_ASSIGN_OR_RETURN(std::unique_ptr<FileScan> file, scanner.Open(add, options));
  FileOutput out;
  for (int rg = 0; rg < file->num_row_groups(); ++rg) {
    if (!file->RowGroupMayMatch(rg)) continue;  // its own min/max rule it out
    RP_RETURN_IF_ERROR(file->StartRowGroup(rg));
    while (true) {
      RP_ASSIGN_OR_RETURN(std::shared_ptr<arrow::RecordBatch> batch, file->Next());
      if (!batch) break;
      if (batch->num_rows() > 0) out.batches.push_back(std::move(batch));
    }
  }
  out.rows_read = file->rows_read();
  out.rows_deleted = file->rows_deleted();
  return out;
}

}  // namespace

bool IsIntegerType(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
      return true;
    default:
      return false;
  }
}

namespace {

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

// The file's block index, when the scan names one and the file carries it:
// an unreadable index only means "maybe", as missing stats do.
bool BlocksMayMatch(const AddFile& add, const ScanSpec& spec) {
  if (!spec.block_index || !add.tags) return true;
  auto tag = add.tags->find(spec.block_index->tag);
  if (tag == add.tags->end()) return true;
  auto index = BlockIndex::Decode(tag->second);
  return !index.ok() || index->MayMatch(spec.filter, *spec.block_index);
}

Result<ScanPlan> PlanWith(const std::vector<AddFile>& files, const BoundFilter& filter,
                          const ScanSpec& spec) {
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
    if (!filter.MayMatchFile(add.partition_values, stats ? &*stats : nullptr) || !BlocksMayMatch(add, spec)) {
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
  return PlanWith(files, filter, spec);
}

Result<std::shared_ptr<arrow::Table>> ScanResult::ToTable() const {
  auto table = arrow::Table::FromRecordBatches(schema, batches);
  if (!table.ok()) return Status::Internal("assembling scan output: " + table.status().ToString());
  return *table;
}

Result<ScanResult> Scan(const std::vector<AddFile>& files, const ScanSpec& spec) {
  RP_ASSIGN_OR_RETURN(std::shared_ptr<const Scanner> scanner, Scanner::Make(spec));
  RP_ASSIGN_OR_RETURN(ScanPlan plan, scanner->Plan(files));

  const size_t n = plan.files.size();
  std::vector<FileOutput> outputs(n);
  RP_RETURN_IF_ERROR(ParallelFor(n, spec.num_threads, nullptr, [&](size_t i) -> Status {
    RP_ASSIGN_OR_RETURN(outputs[i], ReadOneFile(*scanner, files[plan.files[i]]));
    return Status::OK();
  }));

  ScanResult result;
  result.schema = scanner->output_schema();
  result.metrics = plan.metrics;
  for (FileOutput& out : outputs) {
    result.metrics.rows_read += out.rows_read;
    result.metrics.rows_deleted += out.rows_deleted;
    if (out.rows_read > 0) ++result.metrics.files_decoded;
    for (auto& b : out.batches) {
      result.metrics.rows_matched += b->num_rows();
      result.batches.push_back(std::move(b));
    }
  }
  return result;
}

// ---- Scanner ---------------------------------------------------------------

Result<std::shared_ptr<const Scanner>> Scanner::Make(ScanSpec spec) {
  RP_RETURN_IF_ERROR(Validate(spec));
  if (!spec.storage) return Status::InvalidArgument("scan without the table's storage");
  RP_ASSIGN_OR_RETURN(BoundFilter filter,
                      BoundFilter::Bind(spec.filter, *spec.schema, spec.partition_columns));
  std::shared_ptr<Scanner> scanner(new Scanner());
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
  scanner->needed_ = output_fields;
  for (const auto& n : filter.Columns()) {
    if (seen.insert(n).second) scanner->needed_.push_back(spec.schema->GetFieldByName(n));
  }
  for (const auto& f : scanner->needed_)
    scanner->needed_is_partition_.push_back(partitions.count(f->name()) > 0);
  std::vector<std::shared_ptr<arrow::Field>> filter_fields;
  for (const auto& n : filter.Columns()) {
    for (size_t i = 0; i < scanner->needed_.size(); ++i) {
      if (scanner->needed_[i]->name() == n) {
        scanner->filter_needed_.push_back(i);
        filter_fields.push_back(scanner->needed_[i]);
        break;
      }
    }
  }
  scanner->filter_schema_ = arrow::schema(filter_fields);
  scanner->needed_schema_ = arrow::schema(scanner->needed_);
  scanner->output_schema_ = arrow::schema(output_fields);
  scanner->filter_ = std::make_shared<const BoundFilter>(std::move(filter));
  scanner->spec_ = std::move(spec);
  return std::shared_ptr<const Scanner>(std::move(scanner));
}

Result<ScanPlan> Scanner::Plan(const std::vector<AddFile>& files) const {
  return PlanWith(files, *filter_, spec_);
}

// ---- FileScan ----------------------------------------------------------------

struct FileScan::Parquet {
  std::unique_ptr<parquet::arrow::FileReader> reader;
  std::shared_ptr<parquet::FileMetaData> metadata;
  std::unique_ptr<arrow::RecordBatchReader> batches;  // of the current row group
};

FileScan::FileScan(const Scanner* scanner, const AddFile* add) : scanner_(scanner), add_(add) {}
FileScan::~FileScan() = default;

Result<std::unique_ptr<FileScan>> Scanner::Open(const AddFile& add, const FileScanOptions& options) const {
  std::unique_ptr<FileScan> file(new FileScan(this, &add));
  file->options_ = options;
  if (file->options_.batch_rows <= 0) file->options_.batch_rows = 64 * 1024;
  RP_ASSIGN_OR_RETURN(std::optional<std::string> key, DataFileKey(add.path));
  // Named in messages as the storage names it.
  file->path_ = key ? spec_.storage->LocationOf(*key) : add.path;
  const std::string& path = file->path_;
  RP_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::RandomAccessFile> input,
                      OpenDataFile(*spec_.storage, add.path));
  parquet::ReaderProperties properties(arrow::default_memory_pool());
  parquet::ArrowReaderProperties arrow_properties;
  arrow_properties.set_use_threads(false);  // parallel across files, not within
  arrow_properties.set_batch_size(file->options_.batch_rows);
  if (options.streaming) {
    // Pages come through a 1 MiB buffer per column instead of whole column
    // chunks: a row group of a million rows costs a batch, not its size.
    properties.enable_buffered_stream();
    properties.set_buffer_size(1 << 20);
    arrow_properties.set_pre_buffer(false);
  }
  file->parquet_ = std::make_unique<FileScan::Parquet>();
  try {
    parquet::arrow::FileReaderBuilder builder;
    RP_RETURN_IF_ERROR(FromArrow(builder.Open(input, properties), "read " + path, Status::Code::kCorruption));
    builder.memory_pool(arrow::default_memory_pool())->properties(arrow_properties);
    auto reader = builder.Build();
    if (!reader.ok()) return FromArrow(reader.status(), "read " + path, Status::Code::kCorruption);
    file->parquet_->reader = std::move(*reader);
    file->parquet_->metadata = file->parquet_->reader->parquet_reader()->metadata();
  } catch (const std::exception& e) {
    return Status::Corruption("read " + path + ": " + e.what());
  }
  const parquet::FileMetaData& metadata = *file->parquet_->metadata;
  int64_t start = 0;
  for (int rg = 0; rg < metadata.num_row_groups(); ++rg) {
    file->row_group_start_.push_back(start);
    start += metadata.RowGroup(rg)->num_rows();
  }

  // The rows a deletion vector deletes, by their index in the file.
  if (add.deletion_vector) {
    auto rows = LoadDeletionVector(*spec_.storage, *add.deletion_vector, metadata.num_rows());
    if (!rows.ok()) return rows.status().WithContext("read " + path);
    file->deleted_ = std::move(*rows);
  }

  // Which needed data columns the file stores (the others read as nulls).
  const auto& manifest = file->parquet_->reader->manifest();
  file->in_file_.assign(needed_.size(), false);
  file->constants_.resize(needed_.size());
  for (size_t i = 0; i < needed_.size(); ++i) {
    if (needed_is_partition_[i]) {
      // Partition columns are constants of the file.
      auto it = add.partition_values.find(needed_[i]->name());
      std::optional<std::string> text = it == add.partition_values.end() ? std::nullopt : it->second;
      RP_ASSIGN_OR_RETURN(file->constants_[i], ParsePartitionValue(text, needed_[i]->type()));
      continue;
    }
    for (const auto& field : manifest.schema_fields) {
      if (field.field->name() == needed_[i]->name()) {
        file->in_file_[i] = true;
        CollectLeaves(field, &file->leaves_);
        if (std::find(filter_needed_.begin(), filter_needed_.end(), i) != filter_needed_.end()) {
          CollectLeaves(field, &file->probe_leaves_);
        }
        break;
      }
    }
  }
  // Probing pays only when the filter's columns are a small part of the row
  // (offsets beside values) and the filter does not take everything.
  if (filter_->MatchesEverything() || file->probe_leaves_.size() >= file->leaves_.size()) {
    file->probe_leaves_.clear();
  }
  return file;
}

int FileScan::num_row_groups() const { return parquet_->metadata->num_row_groups(); }

int64_t FileScan::row_group_rows(int row_group) const {
  return parquet_->metadata->RowGroup(row_group)->num_rows();
}

int64_t FileScan::row_group_bytes(int row_group) const {
  return parquet_->metadata->RowGroup(row_group)->total_byte_size();
}

std::optional<FileScan::IntStats> FileScan::RowGroupStats(int row_group, std::string_view column) const {
  auto table_field = scanner_->spec_.schema->GetFieldByName(std::string(column));
  if (!table_field || !IsIntegerType(*table_field->type())) return std::nullopt;
  for (const auto& field : parquet_->reader->manifest().schema_fields) {
    if (field.field->name() != column || !field.is_leaf()) continue;
    const parquet::ColumnDescriptor* descr = parquet_->metadata->schema()->Column(field.column_index);
    if (descr->sort_order() != parquet::SortOrder::SIGNED) return std::nullopt;
    std::shared_ptr<parquet::Statistics> stats;
    try {
      stats = parquet_->metadata->RowGroup(row_group)->ColumnChunk(field.column_index)->statistics();
    } catch (const std::exception&) {
      return std::nullopt;  // unreadable statistics: no statistics
    }
    if (!stats || !stats->HasMinMax()) return std::nullopt;
    std::optional<int64_t> nulls;
    if (stats->HasNullCount()) nulls = stats->null_count();
    if (descr->physical_type() == parquet::Type::INT32) {
      const auto& typed = static_cast<const parquet::Int32Statistics&>(*stats);
      return IntStats{typed.min(), typed.max(), nulls};
    }
    if (descr->physical_type() == parquet::Type::INT64) {
      const auto& typed = static_cast<const parquet::Int64Statistics&>(*stats);
      return IntStats{typed.min(), typed.max(), nulls};
    }
    return std::nullopt;
  }
  return std::nullopt;
}

bool FileScan::RowGroupMayMatch(int row_group) const {
  const BoundFilter& filter = *scanner_->filter_;
  if (filter.MatchesEverything()) return true;
  FileStats stats;
  stats.num_records = row_group_rows(row_group);
  for (size_t i = 0; i < scanner_->needed_.size(); ++i) {
    if (!in_file_[i]) continue;
    const std::string& name = scanner_->needed_[i]->name();
    if (auto column = RowGroupStats(row_group, name)) {
      stats.columns[name] = ColumnStats{StatValue(column->min), StatValue(column->max), column->null_count};
    }
  }
  return filter.MayMatchFile(add_->partition_values, &stats);
}

Status FileScan::StartRowGroup(int row_group) {
  if (row_group < 0 || row_group >= num_row_groups()) {
    return Status::InvalidArgument(path_ + " has no row group " + std::to_string(row_group));
  }
  next_row_ = row_group_start_[row_group];
  row_group_left_ = row_group_rows(row_group);
  parquet_->batches.reset();
  if (leaves_.empty()) return Status::OK();  // partition columns only: nothing to decode
  if (!probe_leaves_.empty()) {
    RP_ASSIGN_OR_RETURN(bool any, RowGroupHasMatch(row_group));
    if (!any) {
      row_group_left_ = 0;  // Next() ends at once
      return Status::OK();
    }
  }
  try {
    auto batches = parquet_->reader->GetRecordBatchReader({row_group}, leaves_);
    if (!batches.ok()) return FromArrow(batches.status(), "read " + path_, Status::Code::kCorruption);
    parquet_->batches = std::move(*batches);
  } catch (const std::exception& e) {
    return Status::Corruption("read " + path_ + ": " + e.what());
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> FileScan::Next() {
  if (row_group_left_ <= 0) return std::shared_ptr<arrow::RecordBatch>();
  std::shared_ptr<arrow::RecordBatch> decoded;
  int64_t length = std::min(row_group_left_, options_.batch_rows);
  if (parquet_->batches) {
    try {
      RP_RETURN_IF_ERROR(
          FromArrow(parquet_->batches->ReadNext(&decoded), "read " + path_, Status::Code::kCorruption));
    } catch (const std::exception& e) {
      return Status::Corruption("read " + path_ + ": " + e.what());
    }
    if (!decoded) return Status::Corruption("read " + path_ + ": a row group ends before its row count");
    length = decoded->num_rows();
  }
  return Assemble(std::move(decoded), length);
}

// A file the planner could not rule out often holds no matching row: a block
// index (block_index.h) is coarse, and min/max cannot see gaps. Its values
// are most of each row, so the filter's columns (a Kafka partition and
// offset: a few hundred KB of a row group's megabytes) are decoded and the
// filter run on them first; the rest is decoded only for a row group that
// has a match. Deleted rows are not taken out here: a row group whose only
// matches are deleted is then decoded in full, and its rows dropped as usual.
Result<bool> FileScan::RowGroupHasMatch(int row_group) {
  std::unique_ptr<arrow::RecordBatchReader> probe;
  try {
    auto batches = parquet_->reader->GetRecordBatchReader({row_group}, probe_leaves_);
    if (!batches.ok()) return FromArrow(batches.status(), "read " + path_, Status::Code::kCorruption);
    probe = std::move(*batches);
  } catch (const std::exception& e) {
    return Status::Corruption("read " + path_ + ": " + e.what());
  }
  const auto& needed = scanner_->needed_;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> decoded;
    try {
      RP_RETURN_IF_ERROR(FromArrow(probe->ReadNext(&decoded), "read " + path_, Status::Code::kCorruption));
    } catch (const std::exception& e) {
      return Status::Corruption("read " + path_ + ": " + e.what());
    }
    if (!decoded) return false;
    const int64_t length = decoded->num_rows();
    std::vector<std::shared_ptr<arrow::Array>> columns;
    for (size_t i : scanner_->filter_needed_) {
      const auto& field = *needed[i];
      std::shared_ptr<arrow::Array> column;
      if (scanner_->needed_is_partition_[i]) {
        auto a = arrow::MakeArrayFromScalar(*constants_[i], length);
        if (!a.ok())
          return FromArrow(a.status(), "partition column " + field.name(), Status::Code::kCorruption);
        column = *a;
      } else if (!in_file_[i]) {
        auto a = arrow::MakeArrayOfNull(field.type(), length);
        if (!a.ok()) return FromArrow(a.status(), "column " + field.name(), Status::Code::kCorruption);
        column = *a;
      } else {
        auto a = decoded->GetColumnByName(field.name());
        if (!a) return Status::Corruption("read " + path_ + ": column '" + field.name() + "' not decoded");
        RP_ASSIGN_OR_RETURN(column, ConformType(a, field, path_));
      }
      columns.push_back(std::move(column));
    }
    auto batch = arrow::RecordBatch::Make(scanner_->filter_schema_, length, std::move(columns));
    RP_ASSIGN_OR_RETURN(auto selected, scanner_->filter_->SelectRows(*batch));
    if (!selected || selected->length() > 0) return true;
  }
}

// The needed columns of the next `length` rows (decoded: the file's columns
// of them, or null when the file stores none we need), then deleted rows
// dropped, the filter applied and the output columns kept.
Result<std::shared_ptr<arrow::RecordBatch>> FileScan::Assemble(std::shared_ptr<arrow::RecordBatch> decoded,
                                                               int64_t length) {
  const int64_t first = next_row_;
  next_row_ += length;
  row_group_left_ -= length;
  rows_read_ += length;
  const auto& needed = scanner_->needed_;
  std::vector<std::shared_ptr<arrow::Array>> columns(needed.size());
  for (size_t i = 0; i < needed.size(); ++i) {
    const auto& field = *needed[i];
    if (scanner_->needed_is_partition_[i]) {
      auto a = arrow::MakeArrayFromScalar(*constants_[i], length);
      if (!a.ok())
        return FromArrow(a.status(), "partition column " + field.name(), Status::Code::kCorruption);
      columns[i] = *a;
    } else if (!in_file_[i] || !decoded) {
      auto a = arrow::MakeArrayOfNull(field.type(), length);
      if (!a.ok()) return FromArrow(a.status(), "column " + field.name(), Status::Code::kCorruption);
      columns[i] = *a;
    } else {
      auto a = decoded->GetColumnByName(field.name());
      if (!a) return Status::Corruption("read " + path_ + ": column '" + field.name() + "' not decoded");
      RP_ASSIGN_OR_RETURN(columns[i], ConformType(a, field, path_));
    }
  }
  decoded.reset();
  auto full = arrow::RecordBatch::Make(scanner_->needed_schema_, length, std::move(columns));
  if (!deleted_.empty()) {
    const auto begin = std::lower_bound(deleted_.begin(), deleted_.end(), static_cast<uint64_t>(first));
    const auto end = std::lower_bound(begin, deleted_.end(), static_cast<uint64_t>(first + length));
    rows_deleted_ += end - begin;
    RP_ASSIGN_OR_RETURN(full, DropDeletedRows(std::move(full), first, deleted_, path_));
  }
  if (full->num_rows() > 0) {
    RP_ASSIGN_OR_RETURN(auto selected, scanner_->filter_->SelectRows(*full));
    if (selected && selected->length() < full->num_rows()) {
      auto taken = arrow::compute::Take(full, selected);
      if (!taken.ok()) return FromArrow(taken.status(), "filtering " + path_, Status::Code::kCorruption);
      full = taken->record_batch();
    }
  }
  // Drop the columns only the filter needed.
  const int outputs = scanner_->output_schema_->num_fields();
  std::vector<std::shared_ptr<arrow::Array>> projected(full->columns().begin(),
                                                       full->columns().begin() + outputs);
  return arrow::RecordBatch::Make(scanner_->output_schema_, full->num_rows(), std::move(projected));
}

// ---- ScanStream --------------------------------------------------------------

Result<std::unique_ptr<ScanStream>> ScanStream::Open(const std::vector<AddFile>& files, ScanSpec spec,
                                                     FileScanOptions options) {
  std::unique_ptr<ScanStream> stream(new ScanStream());
  RP_ASSIGN_OR_RETURN(stream->scanner_, Scanner::Make(std::move(spec)));
  RP_ASSIGN_OR_RETURN(ScanPlan plan, stream->scanner_->Plan(files));
  for (size_t i : plan.files) stream->files_.push_back(files[i]);
  stream->metrics_ = plan.metrics;
  stream->options_ = options;
  return stream;
}

Result<std::shared_ptr<arrow::RecordBatch>> ScanStream::Next() {
  while (true) {
    if (!current_) {
      if (next_file_ >= files_.size()) return std::shared_ptr<arrow::RecordBatch>();
      RP_ASSIGN_OR_RETURN(current_, scanner_->Open(files_[next_file_], options_));
      next_row_group_ = 0;
    } else {
      RP_ASSIGN_OR_RETURN(std::shared_ptr<arrow::RecordBatch> batch, current_->Next());
      if (batch) {
        if (batch->num_rows() == 0) continue;
        metrics_.rows_matched += batch->num_rows();
        return batch;
      }
    }
    // The current row group is done: on to the next one that may match.
    while (next_row_group_ < current_->num_row_groups() && !current_->RowGroupMayMatch(next_row_group_)) {
      ++next_row_group_;
    }
    if (next_row_group_ < current_->num_row_groups()) {
      RP_RETURN_IF_ERROR(current_->StartRowGroup(next_row_group_++));
      continue;
    }
    metrics_.rows_read += current_->rows_read();
    metrics_.rows_deleted += current_->rows_deleted();
    if (current_->rows_read() > 0) ++metrics_.files_decoded;
    current_.reset();
    ++next_file_;
  }
}

}  // namespace rp::delta
