#include "delta/optimize.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "delta/data_file_writer.h"
#include "delta/scan.h"
#include "delta/table.h"
#include "delta/table_sort.h"

namespace rp::delta {
namespace {

struct Bin {
  std::vector<AddFile> files;
  int64_t bytes = 0;
};

// Groups the small live files by partition and packs each group greedily, in
// path order, into bins of about `target` bytes; bins of one file are dropped
// (rewriting a file alone gains nothing).
Result<std::vector<Bin>> Plan(const Snapshot& snap, const OptimizeOptions& options) {
  RP_ASSIGN_OR_RETURN(BoundFilter where,
                      BoundFilter::Bind(options.where, *snap.schema(), snap.partition_columns()));
  std::map<PartitionValues, std::vector<const AddFile*>> by_partition;
  for (const auto& [path, add] : snap.files()) {
    if (add.size >= options.target_file_size) continue;
    if (!where.MayMatchPartitions(add.partition_values)) continue;
    by_partition[add.partition_values].push_back(&add);
  }
  std::vector<Bin> bins;
  for (auto& [values, files] : by_partition) {
    if (options.tiered) {
      std::stable_sort(files.begin(), files.end(),
                       [](const AddFile* a, const AddFile* b) { return a->size < b->size; });
      // Files below the floor always join: a partition's first files differ
      // in size by more than 2x (a partial batch beside full ones), and
      // rewriting small files costs little.
      const int64_t always_join_below = options.target_file_size / 64;
      int64_t taken_bytes = 0;
      size_t taken = 0;
      while (taken < files.size() &&
             (taken == 0 || files[taken]->size <= std::max(2 * taken_bytes, always_join_below))) {
        taken_bytes += files[taken++]->size;
      }
      files.resize(taken);
      // Back to path order, which bins are packed in, as without tiers.
      std::sort(files.begin(), files.end(),
                [](const AddFile* a, const AddFile* b) { return a->path < b->path; });
    }
    if (static_cast<int64_t>(files.size()) < std::max(options.min_files, 2)) continue;
    Bin bin;
    auto close = [&] {
      if (bin.files.size() >= 2) bins.push_back(std::move(bin));
      bin = Bin{};
    };
    for (const AddFile* f : files) {
      if (!bin.files.empty() && bin.bytes + f->size > options.target_file_size) close();
      bin.files.push_back(*f);
      bin.bytes += f->size;
    }
    close();
  }
  return bins;
}

// Rewrites one bin as one file (rows sorted), returning its AddFile(s).
Result<std::vector<AddFile>> Rewrite(const Table& table, const Snapshot& snap, const Bin& bin,
                                     const OptimizeOptions& options, int64_t* rows) {
  ScanSpec spec;
  spec.storage = table.storage();
  spec.schema = snap.schema();
  spec.partition_columns = snap.partition_columns();
  spec.num_threads = 1;  // compaction is background work
  RP_ASSIGN_OR_RETURN(ScanResult scanned, Scan(bin.files, spec));
  RP_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Table> data, scanned.ToTable());
  if (!options.sort_columns.empty()) {
    RP_ASSIGN_OR_RETURN(data, SortTable(data, options.sort_columns));
  }
  *rows += data->num_rows();
  RP_ASSIGN_OR_RETURN(std::vector<AddFile> adds,
                      WriteDataFiles(*table.storage(), snap.partition_columns(), *data, options.writer));
  for (auto& a : adds) a.data_change = false;
  return adds;
}

}  // namespace

std::string OptimizeMetrics::ToString() const {
  if (!version) return "optimize: nothing to compact";
  return fmt::format(
      "optimize: version {}: {} partitions, {} files ({} bytes) rewritten as {} files ({} bytes), {} rows",
      *version, partitions, files_removed, bytes_removed, files_added, bytes_added, rows);
}

Result<OptimizeMetrics> Optimize(Table* table, const OptimizeOptions& options) {
  if (options.target_file_size <= 0) return Status::InvalidArgument("the target file size must be positive");
  for (int attempt = 1;; ++attempt) {
    RP_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snap, table->Refresh());
    RP_ASSIGN_OR_RETURN(std::vector<Bin> bins, Plan(*snap, options));
    OptimizeMetrics metrics;
    if (bins.empty()) return metrics;

    // The transaction reads this snapshot: the files it removes are live here.
    Transaction txn = table->NewTransaction();
    std::map<PartitionValues, bool> partitions;
    for (const Bin& bin : bins) {
      RP_ASSIGN_OR_RETURN(std::vector<AddFile> adds, Rewrite(*table, *snap, bin, options, &metrics.rows));
      for (const auto& a : adds) metrics.bytes_added += a.size;
      metrics.files_added += static_cast<int64_t>(adds.size());
      metrics.files_removed += static_cast<int64_t>(bin.files.size());
      metrics.bytes_removed += bin.bytes;
      partitions[bin.files.front().partition_values] = true;
      txn.AddFiles(std::move(adds));
      txn.RemoveFiles(bin.files, /*data_change=*/false);
    }
    metrics.partitions = static_cast<int64_t>(partitions.size());
    std::string predicate = options.where.ToString();
    Result<int64_t> version =
        txn.Commit("OPTIMIZE", {{"predicate", predicate}, {"zOrderBy", "[]"}, {"auto", "false"}});
    if (version.ok()) {
      metrics.version = *version;
      return metrics;
    }
    // Another optimize got to some of these files first: our new files stay
    // unreferenced (vacuum's to delete) and we plan again from its version.
    if (!version.status().IsConflict() || attempt >= options.max_attempts) return version.status();
  }
}

}  // namespace rp::delta
