#include "backends/registry.h"

#include "backends/azure/azure_store.h"
#include "backends/local/local_store.h"

namespace cv::backends {
Result<std::unique_ptr<storage::ObjectStore>> OpenStore(const std::string& url, const StoreSettings& settings,
                                                        bool create) {
  constexpr std::string_view kFile = "file://";
  constexpr std::string_view kAzure = "azure://";
  if (url.rfind(kFile, 0) == 0) {
    std::string path = url.substr(kFile.size());
    if (path.empty() || path.front() != '/') {
      return Status::InvalidArgument("vault URL '" + url + "'",
                                     "a file URL needs an absolute path: file:///var/backups/vault");
    }
    return OpenLocalStore(path, create);
  }
  if (url.rfind(kAzure, 0) == 0) {
    CV_ASSIGN_OR_RETURN(AzureOptions options, AzureOptionsFromSettings(settings));
    return OpenAzureStore(url, options, create);
  }
  if (!url.empty() && url.front() == '/') return OpenLocalStore(url, create);
  return Status::InvalidArgument(
      "vault URL '" + url + "'",
      "unsupported scheme; use file:///absolute/path or azure://ACCOUNT/CONTAINER/PREFIX "
      "(s3:// is not available yet)");
}

}  // namespace cv::backends
