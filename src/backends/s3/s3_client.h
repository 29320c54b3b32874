// src/backends/s3/s3_client.h — one signed S3 REST call: URL, x-amz-date, x-amz-content-sha256,
// x-amz-security-token, SigV4 Authorization, then the HTTP client.
//
// Every request of the S3 backend goes through Send, which builds, signs and sends inside
// http::SendWithRetry: each attempt is signed afresh, with a current date and the credentials of the
// moment (a refreshed session token). The payload is hashed once per request; S3 checks the body against that
// hash (XAmzContentSHA256Mismatch), so it is also the upload's integrity check.
//
// It knows the wire spelling (virtual-host or path-style, encoding) and nothing of what calls mean;
// s3_store.cc does. Safe for concurrent use.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backends/s3/credentials.h"
#include "backends/s3/s3_location.h"
#include "backends/s3/sigv4.h"
#include "http/http_client.h"

namespace cv::backends::s3 {

struct S3Request {
  std::string method = "GET";
  std::string key;  // full object key (prefix included, not encoded); empty addresses the bucket
  QueryParams query;
  std::vector<http::Header> headers;  // besides those Send adds (host, x-amz-*, authorization)
  std::span<const uint8_t> body;      // borrowed; must outlive Send
  uint64_t max_body = 0;              // largest successful response body accepted (0 = http default)
};

inline S3Request MakeRequest(std::string method, std::string key = {}, QueryParams query = {},
                             std::vector<http::Header> headers = {}, std::span<const uint8_t> body = {}) {
  S3Request r;
  r.method = std::move(method);
  r.key = std::move(key);
  r.query = std::move(query);
  r.headers = std::move(headers);
  r.body = body;
  return r;
}

class S3Client {
 public:
  S3Client(S3Location location, std::unique_ptr<CredentialChain> credentials,
           std::unique_ptr<http::Client> http, int max_attempts);

  const S3Location& location() const { return location_; }

  // Sends `request`, attempting it up to max_attempts times while the failure is retryable; `attempts`
  // (optional) receives how many were made, so that a create-only PUT can tell "412 on a retry" (maybe
  // our own first attempt landed) from "412 at once". Transport failures and credential failures come
  // back as a Status; any HTTP status is a response.
  Result<http::Response> Send(const S3Request& request, int* attempts = nullptr);

  // Where the current credentials come from ("environment (...)"), for error hints; never a secret.
  std::string CredentialSource();

 private:
  // One attempt: a fresh date, the current credentials, a new signature.
  Result<http::Response> SendOnce(const S3Request& request, const std::string& payload_hash);

  S3Location location_;
  std::unique_ptr<CredentialChain> credentials_;
  std::unique_ptr<http::Client> http_;
  int max_attempts_;
};

}  // namespace cv::backends::s3
