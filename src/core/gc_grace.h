// src/core/gc_grace.h — will a restore bring deleted rows back? A tombstone is purged by compaction once
// gc_grace_seconds have passed. An SSTable older than that may hold rows whose tombstones the other
// replicas have already dropped: restored onto one replica, they come back ("zombies") and the next
// repair spreads them. Only tables with another replica are at risk. No I/O; the caller passes the time.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"

namespace cv {

// gc_grace_seconds from a table's `CREATE TABLE ... WITH ... gc_grace_seconds = N` (the snapshot's
// schema.cql); nullopt when absent (Cassandra's default, 864000, then applies).
std::optional<int64_t> GcGraceSeconds(std::string_view schema_cql);

inline constexpr int64_t kDefaultGcGraceSeconds = 864000;

// FailedPrecondition naming every restored table (in `keyspaces`, source names) of a keyspace with
// replication factor > 1 whose gc_grace_seconds the backup's age exceeds, unless `ignore`
// (--ignore-gc-grace); then each is a line in *warnings.
Status CheckGcGrace(const Manifest& manifest, const std::set<std::string>& keyspaces, int64_t now_unix,
                    bool ignore, std::vector<std::string>* warnings);

}  // namespace cv
