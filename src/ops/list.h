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
#include "vault/run_log.h"
#include "vault/vault.h"

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

// What a run record says about one node's run of one tag (the daemon's vault::RunRecord, reduced to
// what the cluster view needs, so that list depends on no run log): why a member is missing.
struct RunNote {
  std::string tag, host_id;
  std::string state;  // "started" (running, or died), "failed", "abandoned", "skipped", "succeeded"
  std::string error;  // the run's error message, if any
};

// A member expected to commit a tag that did not.
struct MissingMember {
  ClusterMember member;
  bool running = false;  // a run record says its run started and has not ended
  std::string why;       // from its newest run record: "failed: <error>", "abandoned", ... ("" = unknown)
};

// Completeness of one data center within one cluster backup.
struct DataCenterCompleteness {
  std::string data_center;
  size_t committed = 0, expected = 0;
  std::vector<MissingMember> missing;  // sorted by host id
};

// One cluster backup: every node's backup with one tag.
struct ClusterBackup {
  std::string tag;
  std::set<std::string> clusters, nodes, data_centers;  // nodes: host ids
  std::set<std::string> cluster_ids;                    // the records' cluster ids (empty: none recorded)
  size_t backups = 0;
  int64_t started = 0, finished = 0;  // earliest start, latest finish
  uint64_t bytes = 0, new_bytes = 0, stored_bytes = 0;
  // Completeness: the expected members are the union of the members the tag's records saw at backup time
  // (and every node that committed). "complete": every expected member committed; "running": the only
  // missing members have a run in progress; "partial": a member is missing; "unknown": no record of the
  // tag lists members (written before they were recorded, or offline backups).
  std::string state;
  std::vector<ClusterMember> members;          // expected, sorted by host id
  std::vector<DataCenterCompleteness> per_dc;  // sorted by data center name
  size_t expected = 0, committed = 0;          // members, over every data center
};

// Ordered by the earliest start of each tag. `runs` (may be null) are the daemon's run records: they say
// which missing members are still running and why the others are missing.
std::vector<ClusterBackup> SummariseCluster(const std::vector<BackupRecord>& records,
                                            const std::vector<RunNote>* runs = nullptr);

// The notes of daemon run records, in the order given (RunLog::List: oldest first; the last note of a
// member for a tag wins).
std::vector<RunNote> RunNotesOf(const std::vector<vault::RunRecord>& runs);

// How far back `list --cluster` reads run records: a listing of run records costs one GET per run, so only
// tags that are not complete and started within this window get a "why" or "running".
inline constexpr int64_t kRunNotesWindowSeconds = int64_t{24} * 3600;

// The run records that may explain the tags of `summary` that are not complete and started in the last
// kRunNotesWindowSeconds before `now`: none read when there is no such tag. NotSupported for a format v1
// vault (no run records).
Result<std::vector<RunNote>> RecentRunNotes(vault::Vault& vault, const std::vector<ClusterBackup>& summary,
                                            int64_t now);

// "dc1 3/3  dc2 2/3 missing 10.0.0.7 (host id ...)": one line's completeness part, for `list --cluster`.
std::string DescribeCompleteness(const ClusterBackup& c);

}  // namespace cv::ops
