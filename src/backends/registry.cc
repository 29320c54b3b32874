#include "backends/registry.h"

#include "backends/local/local_store.h"

namespace cv::backends {

Result<std::unique_ptr<storage::ObjectStore>> OpenStore(const std::string& url, bool create) {
  constexpr std::string_view kFile = "file://";
  if (url.rfind(kFile, 0) == 0) {
    std::string path = url.substr(kFile.size());
    if (path.empty() || path.front() != '/') {
      return Status::InvalidArgument("vault URL '" + url + "'", "a file URL needs an absolute path: file:///var/backups/vault");
    }
    return OpenLocalStore(path, create);
  }
  if (!url.empty() && url.front() == '/') return OpenLocalStore(url, create);
  return Status::InvalidArgument("vault URL '" + url + "'",
                                 "unsupported scheme; use file:///absolute/path (azure:// and s3:// are not available yet)");
}

}  // namespace cv::backends
