// src/http/retry.h — how every cloud request survives a flaky network: retries with exponential backoff
// and full jitter, honouring the server's Retry-After.
//
// The caller passes `attempt`, which BUILDS, SIGNS and SENDS one request. Each retry calls it again, so
// a retried request carries a fresh date and a fresh token (a signature minutes old, or a token that
// expired while we slept, would turn a transient fault into a permanent 403).
//
// What is retried (what the Azure and AWS SDKs retry):
//   - transport failures the client reports as Unavailable (refused, reset, cut body) or
//     DeadlineExceeded (connect timeout, stalled transfer);
//   - HTTP 408, 429, 500, 502, 503, 504.
// Everything else is returned at once: a 403 or 404 does not get better by asking again.
//
// Delay before retry n (n = 1, 2, ...): a uniform random value in [0, min(max_delay, base_delay * 2^(n-1))]
// ("full jitter": many clients hammered by the same outage spread out instead of retrying in step), but
// never less than what Retry-After (seconds or an HTTP date) or x-ms-retry-after-ms asks, capped at
// max_retry_after.
//
// A create-only PUT retried after a lost response may find its own first attempt's object ("already
// exists"): `attempts_out` tells the caller that it was retried, so it can check before calling it a
// conflict.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/result.h"
#include "http/http_client.h"

namespace cv::http {

struct RetryPolicy {
  int max_attempts = 6;  // first try included; 1 = no retries
  std::chrono::milliseconds base_delay{250};
  std::chrono::milliseconds max_delay{20'000};
  std::chrono::milliseconds max_retry_after{120'000};  // a server asking for more is capped here
  // Injected in tests so that they neither sleep nor depend on chance.
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
  std::function<double()> random01;                      // default: a thread-local PRNG in [0, 1)
};

// Process-wide counts, for the operation's report (`backup --json` shows "requests" and "retries"): a
// backup that succeeded only thanks to many retries is worth an operator's look.
struct RetryCounters {
  uint64_t attempts = 0;  // requests sent, retries included
  uint64_t retries = 0;   // of which were retries
};
RetryCounters GlobalRetryCounters();

bool IsRetryableStatus(long status);
bool IsRetryableFailure(const Status& status);

// The delay the server asks for in `response` (Retry-After in seconds or as an HTTP date, or
// x-ms-retry-after-ms); zero if none.
std::chrono::milliseconds RetryAfter(const Response& response);

// Calls `attempt` until it yields a response with a non-retryable status, a non-retryable failure, or
// the attempts run out; returns the last outcome (the final retryable response, or the final failure
// with "after N attempts" added to its message). `attempts_out`, if given, receives the number of calls.
Result<Response> SendWithRetry(const RetryPolicy& policy, const std::function<Result<Response>()>& attempt,
                               int* attempts_out = nullptr);

}  // namespace cv::http
