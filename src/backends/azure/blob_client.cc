#include "backends/azure/blob_client.h"

#include <chrono>

namespace cv::backends::azure {

BlobClient::BlobClient(AzureLocation location, std::unique_ptr<Authorizer> authorizer,
                       std::unique_ptr<http::Client> http, http::RetryPolicy retry)
    : location_(std::move(location)),
      authorizer_(std::move(authorizer)),
      http_(std::move(http)),
      retry_(std::move(retry)) {}

bool CredentialRejected(const http::Response& response) {
  if (response.status == 401) return true;
  // Azure says 401 for an expired token; Azurite (and Azure for some token faults) 403 AuthenticationFailed.
  std::string_view code = response.Find("x-ms-error-code");
  return response.status == 403 && (code == "AuthenticationFailed" || code == "InvalidAuthenticationInfo");
}

Result<http::Response> BlobClient::Send(std::string_view method, std::string_view blob,
                                        const QueryParams& query, std::vector<http::Header> headers,
                                        std::span<const uint8_t> body, int* attempts_out,
                                        uint64_t max_body) const {
  std::string path = location_.base_path + "/" + location_.container;
  if (!blob.empty()) path += "/" + PercentEncode(blob, /*keep_slash=*/true);
  std::string base_url =
      location_.endpoint.substr(0, location_.endpoint.size() - location_.base_path.size()) + path;
  for (size_t i = 0; i < query.size(); ++i) {
    base_url +=
        (i == 0 ? "?" : "&") + query[i].first + "=" + PercentEncode(query[i].second, /*keep_slash=*/false);
  }

  // Builds, signs and sends one request.
  auto sign_and_send = [&](std::vector<http::Header>* sent) -> Result<http::Response> {
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    http::Request req;
    req.method = std::string(method);
    req.url = base_url;
    req.headers = headers;
    req.headers.push_back({"x-ms-date", Rfc1123Date(now.count())});
    req.headers.push_back({"x-ms-version", std::string(kApiVersion)});
    req.body = body;
    req.max_body = max_body;
    RequestToSign r{method, location_.account, path, query, body.size(), req.headers, req.url};
    CV_RETURN_IF_ERROR(authorizer_->Authorize(r));
    Result<http::Response> resp = http_->Send(req);
    *sent = std::move(req.headers);
    return resp;
  };
  // One attempt: a refused token is dropped and the request signed again with a fresh one, once.
  auto attempt = [&]() -> Result<http::Response> {
    std::vector<http::Header> sent;
    CV_ASSIGN_OR_RETURN(http::Response response, sign_and_send(&sent));
    if (CredentialRejected(response) && authorizer_->Invalidate(sent)) return sign_and_send(&sent);
    return response;
  };
  return http::SendWithRetry(retry_, attempt, attempts_out);
}

}  // namespace cv::backends::azure
