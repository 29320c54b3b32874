#include "backends/azure/blob_client.h"

#include <chrono>

namespace cv::backends::azure {

BlobClient::BlobClient(AzureLocation location, crypto::SecretBytes account_key,
                       std::unique_ptr<http::Client> http, http::RetryPolicy retry)
    : location_(std::move(location)), key_(std::move(account_key)), http_(std::move(http)), retry_(std::move(retry)) {}

Result<http::Response> BlobClient::Send(std::string_view method, std::string_view blob,
                                        const QueryParams& query, std::vector<http::Header> headers,
                                        std::span<const uint8_t> body, int* attempts) const {
  std::string path = location_.base_path + "/" + location_.container;
  if (!blob.empty()) path += "/" + PercentEncode(blob, /*keep_slash=*/true);
  std::string url =
      location_.endpoint.substr(0, location_.endpoint.size() - location_.base_path.size()) + path;
  for (size_t i = 0; i < query.size(); ++i) {
    url += (i == 0 ? "?" : "&") + query[i].first + "=" + PercentEncode(query[i].second, /*keep_slash=*/false);
  }

  // One attempt: signed now, so that a retry after a backoff carries a fresh x-ms-date.
  auto attempt = [&]() -> Result<http::Response> {
    http::Request req;
    req.method = std::string(method);
    req.url = url;
    req.headers = headers;
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    req.headers.push_back({"x-ms-date", Rfc1123Date(now.count())});
    req.headers.push_back({"x-ms-version", std::string(kApiVersion)});
    std::string to_sign = StringToSign(method, body.size(), req.headers, location_.account, path, query);
    req.headers.push_back({"Authorization", SharedKeyAuthorization(location_.account, key_, to_sign)});
    req.body = body;
    return http_->Send(req);
  };
  return http::SendWithRetry(retry_, attempt, attempts);
}

}  // namespace cv::backends::azure
