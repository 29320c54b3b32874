// src/ops/maintain.h — `cassvault maintain`: the vault's housekeeping that any key that can list may run
// (writer, reader, admin). Today: consolidating the catalog (vault/catalog.h), so that `list` reads every
// backup in a handful of requests. Prune (issue 13) and the index's own consolidation come later.
#pragma once

#include "core/result.h"
#include "vault/vault.h"

namespace cv::ops {

struct MaintainReport {
  bool catalog_supported = true;  // false: a format v1 vault, which has no consolidated catalog
  vault::Catalog::ConsolidateReport catalog;
  double seconds = 0;
};

Result<MaintainReport> RunMaintain(vault::Vault& vault);

}  // namespace cv::ops
