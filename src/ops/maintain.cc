#include "ops/maintain.h"

#include <chrono>

namespace cv::ops {

Result<MaintainReport> RunMaintain(vault::Vault& vault) {
  auto t0 = std::chrono::steady_clock::now();
  MaintainReport r;
  if (vault.format() == 2) {
    CV_ASSIGN_OR_RETURN(r.catalog, vault.catalog().Consolidate());
  } else {
    r.catalog_supported = false;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace cv::ops
