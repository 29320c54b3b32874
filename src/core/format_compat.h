// src/core/format_compat.h — can the target node read the backup's SSTables? Cassandra 5.0 in its default
// `storage_compatibility_mode: CASSANDRA_4` reads only the formats 4.x writes (big `ma`..`nb`): at startup
// it refuses `oa` and bti `da` SSTables ("Detected unreadable sstables") and exits, and `nodetool import`
// silently imports nothing. The restore refuses such a target before it writes anything. No I/O.
#pragma once

#include <string_view>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"

namespace cv {

// True if a node in `mode` (CASSANDRA_4, UPGRADING, NONE) reads SSTables of `version` ("nb", "oa") and
// `format` ("big", "bti"). Only NONE reads the 5.0 formats.
bool ModeReadsSSTable(std::string_view mode, std::string_view version, std::string_view format);

// FailedPrecondition naming the first table with files the target cannot read, the format, the mode and
// what to change; OK when every Data.db of `tables` is readable.
Status CheckSSTableFormats(const std::vector<const TableEntry*>& tables, std::string_view target_mode,
                           std::string_view target);

}  // namespace cv
