// src/backends/azure/blob_client.h — one signed Blob REST call: URL, x-ms-date, the pinned x-ms-version,
// Shared Key Authorization, then the HTTP client.
//
// It knows the wire spelling (path-style or virtual-host endpoints, percent-encoding, the canonical
// resource Shared Key signs) and nothing of what the calls mean; azure_store.cc does. Safe for
// concurrent use: the key is only read, and each call signs with its own HMAC context.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/azure/azure_location.h"
#include "backends/azure/shared_key.h"
#include "crypto/crypto.h"
#include "http/http_client.h"
#include "http/retry.h"

namespace cv::backends::azure {

// Pinned so that the service behaves as this code was written against (azure.md §1: GA SDKs use it,
// Azurite >= 3.35 accepts it). Changing it is a reviewed change, not a dependency bump.
inline constexpr std::string_view kApiVersion = "2025-07-05";

class BlobClient {
 public:
  BlobClient(AzureLocation location, crypto::SecretBytes account_key, std::unique_ptr<http::Client> http,
             http::RetryPolicy retry = {});

  const AzureLocation& location() const { return location_; }

  // `blob` is the full blob name (prefix included, not encoded); empty addresses the container itself.
  // Transient faults are retried (http/retry.h), each attempt signed anew; `attempts`, if given, says how
  // many were made. Transport failures come back as the http client's Status; any other HTTP status is a
  // response.
  Result<http::Response> Send(std::string_view method, std::string_view blob, const QueryParams& query,
                              std::vector<http::Header> headers, std::span<const uint8_t> body = {},
                              int* attempts = nullptr) const;

 private:
  AzureLocation location_;
  crypto::SecretBytes key_;
  std::unique_ptr<http::Client> http_;
  http::RetryPolicy retry_;
};

}  // namespace cv::backends::azure
