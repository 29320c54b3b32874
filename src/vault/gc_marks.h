// src/vault/gc_marks.h — prune's gc marks (kind 27, docs/vault-format.md "Prune: two-phase garbage
// collection"): gc/<stamp>-<16 hex>, sealed under the metadata root and signed by the admin key inside the
// seal (signed_object.h), so a writer key can read them (a backup's loader and its re-check at commit) but
// cannot forge or replay one.
//
// A mark lists the objects one prune run found unreferenced (phase 1). A later run, at least the grace after
// `written_at`, deletes each one that is still garbage then (phase 2), and deletes the mark itself only once
// every candidate it lists has been handled: a run killed at any point redoes the rest next time.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "vault/object_table.h"
#include "vault/problems.h"

namespace cv::vault {

struct GcMark {
  std::string name;        // gc/<stamp>-<16 hex> (set by WriteGcMark / LoadGcMarks)
  int64_t written_at = 0;  // unix s: phase 2 may delete its candidates from written_at + grace on
  int64_t grace = 0;       // the grace the run that wrote it used (informational; phase 2 uses its own)
  std::string by;          // who ran prune ("key slot <id> (admin) on <user>@<host>")
  std::vector<std::string> candidates;  // object names, sorted
};

std::string GcMarkToJson(const GcMark& mark);
// InvalidArgument-free: a payload that does not parse is Corruption naming `subject`.
Result<GcMark> GcMarkFromJson(std::string_view json, std::string_view subject);

// Signs and writes `mark` under gc/<stamp of written_at>-<random 16 hex> (create-only). PermissionDenied
// without an admin key, before anything is written. Sets mark->name.
Status WriteGcMark(ObjectTable& objects, GcMark* mark);

// Every gc mark that verifies, oldest first. `written_since`: only marks whose name's stamp is at or after
// this time are read (the name says when it was written; others are not fetched). A mark that does not open
// or verify is not prune's: it is named in `problems` and ignored (a writer key cannot make prune or a
// backup act on a forged one).
Result<std::vector<GcMark>> LoadGcMarks(ObjectTable& objects, ProblemLog& problems,
                                        int64_t written_since = INT64_MIN);

// The candidates of `marks` that are packs, by object name.
std::set<std::string> CandidatePacks(const std::vector<GcMark>& marks);

}  // namespace cv::vault
