#include "vault/policy_store.h"

namespace cv::vault {

PolicyStore::PolicyStore(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems)
    : objects_(objects), keys_(keys), problems_(problems) {}

Status PolicyStore::CheckFormat() const { return Status::Internal("not yet"); }

Result<PolicyVersion> PolicyStore::Set(const std::string&, const std::string&, const std::string&, int64_t) {
  return Status::Internal("not yet");
}
Result<PolicyVersion> PolicyStore::Remove(const std::string&, const std::string&, int64_t) {
  return Status::Internal("not yet");
}
Result<std::vector<PolicyVersion>> PolicyStore::Current() { return Status::Internal("not yet"); }
Result<std::vector<PolicyVersion>> PolicyStore::History(const std::string&) {
  return Status::Internal("not yet");
}
Result<std::vector<PolicyVersion>> PolicyStore::Poll(std::map<std::string, PolicyVersion>*) {
  return Status::Internal("not yet");
}

}  // namespace cv::vault
