// src/backends/azure/identity/token_endpoint.h — what every identity kind shares on the wire: one token
// request sent with retries, its JSON answer read into an AccessToken, its error body into a Status.
//
// Retries: 408, 429, 500, 502, 503, 504 and transport failures, honouring Retry-After (seconds) and
// retry-after-ms / x-ms-retry-after-ms, else 1 s, 2 s, 4 s; at most `max_attempts` tries, no single wait
// over a minute. Entra ID and IMDS throttle with 429 + Retry-After (azure.md §9).
//
// Errors name the credential kind and carry what the endpoint said that helps an operator — HTTP status,
// `error`, `error_description` (the AADSTS code and text), `message` — and nothing else: never the
// request (its form holds the secret or assertion) and never a token.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/azure/identity/token_credential.h"
#include "http/http_client.h"

namespace cv::backends::azure::identity {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded (spaces as %20, which every server reads like '+').
std::string FormEncode(const FormFields& fields);

// "https://storage.azure.com/.default" -> "https://storage.azure.com/" (what v1 endpoints want).
std::string ScopeToResource(std::string_view scope);

struct TokenRetry {
  int max_attempts = 4;
  std::chrono::milliseconds first_delay{1000};
  std::chrono::milliseconds max_delay{60000};
  // Replaced in tests; the default sleeps.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// How long a response asks to wait before the next try; `fallback` when it does not say.
std::chrono::milliseconds RetryAfter(const http::Response& response, std::chrono::milliseconds fallback);

// Sends `request` (retrying as above) and reads the token. `who` names the credential in messages.
Result<AccessToken> FetchToken(http::Client& http, const http::Request& request, std::string_view who,
                               const TokenRetry& retry = {});

// Reads access_token and expires_in / expires_on (numbers or numeric strings: IMDS sends strings).
// expires_in wins when both are present: it does not depend on the two clocks agreeing.
Result<AccessToken> ParseTokenResponse(std::string_view body, int64_t now, std::string_view who);

// A token endpoint's refusal as a Status: 400/401/403 PermissionDenied (the identity provider said no),
// 404 Unauthenticated (no such identity here), 408 DeadlineExceeded, 429 ResourceExhausted, 5xx
// Unavailable.
Status TokenEndpointError(std::string_view who, const http::Response& response);

}  // namespace cv::backends::azure::identity
