// src/backends/azure/shared_key.h — Azure Storage Shared Key signing ("Authorize with Shared Key").
//
// Pure functions, so the canonical forms are unit-tested byte for byte: the string to sign is the verb,
// eleven standard headers (Content-Length empty when 0), the canonicalized x-ms-* headers and the
// canonicalized resource. The signature is HMAC-SHA256 under the base64-decoded account key; only the
// Authorization value carries it, and nothing here logs or formats the key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/crypto.h"
#include "http/http_client.h"

namespace cv::backends::azure {

using QueryParams = std::vector<std::pair<std::string, std::string>>;  // decoded name, decoded value

// `path` is the URI path exactly as sent (percent-encoded, with an emulator's account segment);
// `query` holds decoded values. Headers are matched case-insensitively.
std::string StringToSign(std::string_view method, uint64_t content_length,
                         const std::vector<http::Header>& headers, std::string_view account,
                         std::string_view path, const QueryParams& query);

// "SharedKey ACCOUNT:base64(HMAC-SHA256(key, string_to_sign))".
std::string SharedKeyAuthorization(std::string_view account, const crypto::SecretBytes& key,
                                   std::string_view string_to_sign);

// RFC 1123 date for x-ms-date ("Sun, 06 Nov 1994 08:49:37 GMT"), independent of the C locale.
std::string Rfc1123Date(int64_t unix_seconds);

}  // namespace cv::backends::azure
