#include "backends/registry.h"

#include <cstdlib>
#include <string_view>

#include "backends/azure/azure_store.h"
#include "backends/local/local_store.h"
#include "backends/s3/s3_store.h"
#include "http/http_client.h"
#include "storage/counting_store.h"

namespace cv::backends {
namespace {

void ApplyTransferSettings(const StoreSettings& settings, http::ClientOptions* http) {
  http->ca_file = settings.ca_file;
  http->insecure = settings.insecure_tls;
  http->max_bandwidth = settings.max_bandwidth;
  http->stall_timeout = std::chrono::seconds(settings.stall_timeout_s);
}

// Never destroyed: stores may outlive main's locals and the line is printed at exit.
storage::RequestTally& ProcessTally() {
  static auto* tally = new storage::RequestTally();
  return *tally;
}

Result<std::unique_ptr<storage::ObjectStore>> OpenUncounted(const std::string& url,
                                                            const StoreSettings& settings, bool create) {
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

}  // namespace

Result<std::unique_ptr<storage::ObjectStore>> OpenStore(const std::string& url, const StoreSettings& settings,
                                                        bool create) {
  CV_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectStore> store, OpenUncounted(url, settings, create));
  if (!StatsRequested()) return store;
  return std::unique_ptr<storage::ObjectStore>(
      std::make_unique<storage::CountingStore>(std::move(store), false, &ProcessTally()));
}

bool StatsRequested() {
  const char* v = std::getenv("CASSVAULT_STATS");
  return v != nullptr && std::string_view(v) == "1";
}

std::string StatsJson() {
  const storage::RequestCounts c = ProcessTally().counts();
  const http::SentCounts sent = http::RequestsSent();
  const uint64_t list_pages = sent.requests > 0 ? sent.list_pages : c.lists;
  auto field = [](const char* name, uint64_t v) {
    return "\"" + std::string(name) + "\":" + std::to_string(v);
  };
  return "{\"cassvault_stats\": {" + field("puts", c.puts) + "," + field("gets", c.gets) + "," +
         field("stats", c.stats) + "," + field("lists", c.lists) + "," + field("list_pages", list_pages) +
         "," + field("deletes", c.deletes) + "," + field("locks", c.locks) + "," +
         field("requests", c.puts + c.gets + c.stats + list_pages + c.deletes + c.locks) + "," +
         field("listed_keys", c.listed_keys) + "," + field("http_requests", sent.requests) + "}}";
}

}  // namespace cv::backends
