#include "vault/lease.h"

namespace cv::vault {

Result<Lease> Lease::Acquire(ObjectTable&, const VaultKeys&, std::string, std::string, int64_t, int64_t) {
  return Status::Internal("not yet");
}
Status Lease::Renew(int64_t) { return Status::Internal("not yet"); }
Status Lease::Release() { return Status::Internal("not yet"); }

}  // namespace cv::vault
