// src/backends/azure/blob_client.h — one authorized Blob REST call: URL, x-ms-date, the pinned
// x-ms-version, the Authorizer's proof (Shared Key, SAS or Bearer token), then the HTTP client.
//
// It knows the wire spelling (path-style or virtual-host endpoints, percent-encoding, the canonical
// resource Shared Key signs) and nothing of what the calls mean; azure_store.cc does. Each attempt is
// built and signed by one function, so that a retry (http::SendWithRetry: 408, 429, 5xx, transport
// failures) carries a fresh date and a current token. When the
// service refuses a token (401, or 403 AuthenticationFailed: a token that expired early, a clock that
// drifted), the token is dropped and the request tried once more with a fresh one: a token that expires
// mid-backup does not fail the backup. Safe for concurrent use.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/azure/authorizer.h"
#include "backends/azure/azure_location.h"
#include "http/http_client.h"
#include "http/retry.h"

namespace cv::backends::azure {

// Pinned so that the service behaves as this code was written against (GA SDKs use it, Azurite >= 3.35
// accepts it). Changing it is a reviewed change, not a dependency bump.
inline constexpr std::string_view kApiVersion = "2025-07-05";

class BlobClient {
 public:
  BlobClient(AzureLocation location, std::unique_ptr<Authorizer> authorizer,
             std::unique_ptr<http::Client> http, http::RetryPolicy retry = {});

  const AzureLocation& location() const { return location_; }
  // Completes "check that ..." in messages about a refused credential.
  std::string CheckHint() const { return authorizer_->CheckHint(location_.account); }

  // `blob` is the full blob name (prefix included, not encoded); empty addresses the container itself.
  // Transport failures come back as the http client's Status (after http::SendWithRetry's retries);
  // any HTTP status is a response. `attempts_out` receives the number of attempts sent (a create-only
  // PUT that was retried may meet its own first attempt). `max_body`: the largest successful response
  // body accepted (0 = the http client's default, http::kDefaultMaxBody).
  Result<http::Response> Send(std::string_view method, std::string_view blob, const QueryParams& query,
                              std::vector<http::Header> headers, std::span<const uint8_t> body = {},
                              int* attempts_out = nullptr, uint64_t max_body = 0) const;

 private:
  AzureLocation location_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<http::Client> http_;
  http::RetryPolicy retry_;
};

// A refusal of the credential itself, which a fresh token may cure.
bool CredentialRejected(const http::Response& response);

}  // namespace cv::backends::azure
