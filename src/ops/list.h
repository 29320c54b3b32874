// src/ops/list.h — what `cassvault list` shows: the catalog's records filtered (--node, --tag, --since,
// --until, --limit), or summarised per cluster backup (--cluster: one line per tag over every node).
// The records come from the catalog (vault/catalog.h) in a handful of requests; filtering is local.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"

namespace cv::ops {

struct ListFilter {
  std::string node;              // host id, address or vault node id ("" = every node)
  std::string tag;               // "" = every tag
  std::optional<int64_t> since;  // started at or after (unix s)
  std::optional<int64_t> until;  // started at or before (unix s)
  size_t limit = 0;              // the newest N (0 = all)
};

// "2026-12-06" (a day: since = its start, until = its end), "2026-12-06T10:15:00Z", "2026-12-06T10:15Z" (UTC;
// the Z may be left out). InvalidArgument naming `flag` and the forms accepted for anything else.
Result<int64_t> ParseListTime(const std::string& flag, const std::string& text, bool end_of_day);

// Builds a filter from the flag values as typed. InvalidArgument naming the flag: a malformed time,
// --since after --until, a --limit that is not a positive number.
Result<ListFilter> MakeListFilter(std::string node, std::string tag, const std::string& since,
                                  const std::string& until, const std::string& limit);

// The records that pass, sorted by backup id (time), the newest `limit` of them.
std::vector<BackupRecord> FilterRecords(std::vector<BackupRecord> records, const ListFilter& filter);

// One cluster backup: every node's backup with one tag.
struct ClusterBackup {
  std::string tag;
  std::set<std::string> clusters, nodes, data_centers;  // nodes: host ids
  size_t backups = 0;
  int64_t started = 0, finished = 0;  // earliest start, latest finish
  uint64_t bytes = 0, new_bytes = 0, stored_bytes = 0;
};
// Ordered by the earliest start of each tag.
std::vector<ClusterBackup> SummariseCluster(const std::vector<BackupRecord>& records);

}  // namespace cv::ops
