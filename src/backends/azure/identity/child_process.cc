#include "backends/azure/identity/child_process.h"

namespace cv::backends::azure::identity {

Result<ChildResult> RunChild(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  env::ChildOptions o;
  o.timeout = timeout;
  o.timeout_setting = "the Azure CLI's limit";
  o.allow_env = env::kAzureCliEnvironment;
  return env::RunChild(argv, o);
}

}  // namespace cv::backends::azure::identity
