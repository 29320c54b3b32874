#include "backends/registry.h"

#include "backends/azure/azure_store.h"
#include "backends/local/local_store.h"
#include "backends/s3/s3_store.h"

namespace cv::backends {
namespace {

void ApplyTransferSettings(const StoreSettings& settings, http::ClientOptions* http) {
  http->ca_file = settings.ca_file;
  http->insecure = settings.insecure_tls;
  http->max_bandwidth = settings.max_bandwidth;
  http->stall_timeout = std::chrono::seconds(settings.stall_timeout_s);
}

}  // namespace

Result<std::unique_ptr<storage::ObjectStore>> OpenStore(const std::string& url, const StoreSettings& settings,
                                                        bool create) {
  constexpr std::string_view kFile = "file://";
  constexpr std::string_view kAzure = "azure://";
  constexpr std::string_view kS3 = "s3://";
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
  if (url.rfind(kS3, 0) == 0) {
    CV_ASSIGN_OR_RETURN(S3Options options, S3OptionsFromSettings(settings));
    ApplyTransferSettings(settings, &options.http);
    if (settings.max_connections > 0) options.connections = settings.max_connections;
    if (settings.max_attempts > 0) options.max_attempts = settings.max_attempts;
    return OpenS3Store(url, options, create);
  }
  if (!url.empty() && url.front() == '/') return OpenLocalStore(url, create);
  return Status::InvalidArgument(
      "vault URL '" + url + "'",
      "unsupported scheme; use file:///absolute/path, azure://ACCOUNT/CONTAINER/PREFIX or "
      "s3://BUCKET/PREFIX");
}

}  // namespace cv::backends
