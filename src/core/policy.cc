#include "core/policy.h"

namespace cv::policy {
bool IsValidPolicyName(std::string_view) { return false; }
Result<Policy> PolicyFromJson(std::string_view, std::string_view) {
  return Status::Internal("policy", "not yet");
}
std::string PolicyToJson(const Policy&) { return {}; }
std::vector<std::string> DescribePolicy(const Policy&) { return {}; }
}  // namespace cv::policy
