// bench/scale/probes.h — the engine-side operations bench/scale measures, each run alone in its own process
// (the tool is started once per probe) so that its peak RSS and request counts are its own: a node's backup
// start-up (until it is ready to deduplicate) and a restore's plan (the reads a restore makes before
// writing).
#pragma once

#include <string>

#include "backends/store_settings.h"
#include "bench/scale/synthetic_vault.h"
#include "core/result.h"
#include "crypto/key_slot.h"

namespace cv::scale {

// What a probe did: one JSON object (wall time, requests by kind, the requests that touched another
// node's partition, peak RSS, what was loaded).
using ProbeReport = std::string;

// Node `index` of the shape: open the vault, resolve its partition and load its index, as a backup does
// before it stores anything. `cache_dir` holds the local index cache (empty: none).
Result<ProbeReport> ProbeStartup(const BuiltVault& shape, int index, const backends::StoreSettings& settings,
                                 const crypto::KeySecret& secret, const std::string& cache_dir);

// Node `index`'s newest backup: its record, its manifest, its partition's index; every blob the manifest
// names must be found (else Corruption).
Result<ProbeReport> ProbeRestorePlan(const BuiltVault& shape, int index,
                                     const backends::StoreSettings& settings,
                                     const crypto::KeySecret& secret);

}  // namespace cv::scale
