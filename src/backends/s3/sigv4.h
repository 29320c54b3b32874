// src/backends/s3/sigv4.h — AWS Signature Version 4, as pure functions.
//
// Pure so that every canonical form is unit-tested byte for byte against AWS's published examples
// (sigv4_test.cc). The signature covers the method, the encoded path, the sorted query, every header
// passed in (the caller passes exactly what it sends: host, x-amz-*, content-type, range, if-none-match)
// and the payload hash. The secret only ever enters the HMAC chain of SigningKey; nothing here formats it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/wire/uri_encode.h"
#include "crypto/crypto.h"
#include "http/http_client.h"

namespace cv::backends::s3 {

using QueryParams = std::vector<std::pair<std::string, std::string>>;  // decoded name, decoded value

// Hex SHA-256 of an empty body: the payload hash of every GET, HEAD and DELETE.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// RFC 3986 percent-encoding (backends/wire), as SigV4 wants for paths and query components. S3 paths are
// encoded once, never twice.
using wire::PercentEncode;

// The parts of one request that are signed.
struct SignedRequest {
  std::string_view method;
  std::string_view path;                               // as sent: already encoded, starting with '/'
  const QueryParams* query = nullptr;                  // decoded; may be null
  const std::vector<http::Header>* headers = nullptr;  // every header to sign; must include host
  std::string_view payload_hash;                       // hex SHA-256 of the body (or UNSIGNED-PAYLOAD)
};

// Canonical request (step 1); `signed_headers` receives "host;x-amz-date;..." when not null.
std::string CanonicalRequest(const SignedRequest& r, std::string* signed_headers = nullptr);

// "<YYYYMMDD>/<region>/<service>/aws4_request".
std::string CredentialScope(std::string_view amz_date, std::string_view region, std::string_view service);

// String to sign (step 2): algorithm, x-amz-date, scope, hex SHA-256 of the canonical request.
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// HMAC chain from "AWS4" + secret over date, region, service, "aws4_request" (step 3).
crypto::Hash32 SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service);

// The Authorization header value (step 4) for `r` signed at `amz_date` (YYYYMMDDTHHMMSSZ).
std::string Authorization(const SignedRequest& r, std::string_view access_key_id, std::string_view secret,
                          std::string_view amz_date, std::string_view region, std::string_view service);

// x-amz-date for a unix time: "20130524T000000Z", independent of the locale.
std::string AmzDate(int64_t unix_seconds);

}  // namespace cv::backends::s3
