// src/backends/azure/identity/token_endpoint.h — what every identity kind shares on the wire: one token
// request sent with retries, its JSON answer read into an AccessToken, its error body into a Status.
//
// Retries: http::SendWithRetry's (408, 429, 5xx and transport failures, backoff with jitter, never
// sooner than Retry-After asks). Entra ID and IMDS throttle with 429 + Retry-After.
//
// Errors name the credential kind and carry what the endpoint said that helps an operator — HTTP status,
// `error`, `error_description` (the AADSTS code and text), `message` — and nothing else: never the
// request (its form holds the secret or assertion) and never a token.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/azure/identity/token_credential.h"
#include "http/http_client.h"
#include "http/retry.h"

namespace cv::backends::azure::identity {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded (spaces as %20, which every server reads like '+').
std::string FormEncode(const FormFields& fields);

// "https://storage.azure.com/.default" -> "https://storage.azure.com/" (what v1 endpoints want).
std::string ScopeToResource(std::string_view scope);

// Token endpoints: 4 tries from 1 s (MSAL's 1, 2, 4 s), a server's Retry-After up to a minute.
http::RetryPolicy TokenRetryPolicy();

// Sends `request` (retrying as above) and reads the token. `who` names the credential in messages.
Result<AccessToken> FetchToken(http::Client& http, const http::Request& request, std::string_view who,
                               const http::RetryPolicy& retry = TokenRetryPolicy());

// Reads access_token and expires_in / expires_on (numbers or numeric strings: IMDS sends strings).
// expires_in wins when both are present: it does not depend on the two clocks agreeing.
Result<AccessToken> ParseTokenResponse(std::string_view body, int64_t now, std::string_view who);

// A token endpoint's refusal as a Status: 400/401/403 PermissionDenied (the identity provider said no),
// 404 Unauthenticated (no such identity here), 408 DeadlineExceeded, 429 ResourceExhausted, 5xx
// Unavailable.
Status TokenEndpointError(std::string_view who, const http::Response& response);

}  // namespace cv::backends::azure::identity
