#include "core/gc_grace.h"

#include <cctype>

#include "core/restore_advice.h"
#include "core/table_filter.h"

namespace cv {

std::optional<int64_t> GcGraceSeconds(std::string_view cql) {
  size_t at = cql.find("gc_grace_seconds");
  if (at == std::string_view::npos) return std::nullopt;
  size_t i = at + 16;
  while (i < cql.size() && (cql[i] == ' ' || cql[i] == '=')) ++i;
  if (i >= cql.size() || !std::isdigit(static_cast<unsigned char>(cql[i]))) return std::nullopt;
  int64_t v = 0;
  while (i < cql.size() && std::isdigit(static_cast<unsigned char>(cql[i])) && v < (int64_t{1} << 40))
    v = v * 10 + (cql[i++] - '0');
  return v;
}

Status CheckGcGrace(const Manifest& manifest, const std::set<std::string>& keyspaces, int64_t now_unix,
                    bool ignore, std::vector<std::string>* warnings) {
  const int64_t age = now_unix - manifest.started;
  std::string tables;
  for (const auto& t : manifest.tables) {
    if (!keyspaces.count(t.keyspace) || TableFilter::IsSystemKeyspace(t.keyspace)) continue;
    int rf = 0;
    for (const auto& k : manifest.keyspaces) {
      if (k.name == t.keyspace) rf = MaxReplicationFactor(k.create_keyspace);
    }
    if (rf <= 1) continue;  // no other replica that could have purged a tombstone
    int64_t grace = GcGraceSeconds(t.schema_cql).value_or(kDefaultGcGraceSeconds);
    if (age <= grace) continue;
    tables += (tables.empty() ? "" : ", ") + t.keyspace + "." + t.table + " (gc_grace_seconds " +
              std::to_string(grace) + ")";
  }
  if (tables.empty()) return Status::OK();
  std::string what = "backup " + manifest.backup_id + " is " + std::to_string(age) +
                     " s old, older than the gc_grace_seconds of " + tables +
                     ": the other replicas may have purged tombstones for rows it still holds, so deleted "
                     "rows could come back";
  if (!ignore) {
    return Status::FailedPrecondition(
        "restore", what +
                       ". If every replica of these tables is being restored from backups of the same time "
                       "(a whole-cluster restore), or you accept that risk, add --ignore-gc-grace. Nothing "
                       "was changed");
  }
  warnings->push_back("warning: " + what + " (--ignore-gc-grace)");
  return Status::OK();
}

}  // namespace cv
