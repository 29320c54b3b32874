#include "ops/policy_file.h"

namespace cv::ops {
Result<policy::Policy> LoadPolicyFile(const std::string&) {
  return Status::Internal("policy file", "not yet");
}
Result<policy::Policy> ParsePolicyYaml(std::string_view, std::string_view) {
  return Status::Internal("policy file", "not yet");
}
}  // namespace cv::ops
