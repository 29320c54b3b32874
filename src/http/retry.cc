#include "http/retry.h"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <random>
#include <string>
#include <thread>

namespace cv::http {
namespace {

bool ParseDigits(std::string_view s, long long* v) {
  if (s.empty() || s.size() > 12) return false;
  *v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    *v = *v * 10 + (c - '0');
  }
  return true;
}

// "Wed, 21 Oct 2015 07:28:00 GMT" -> seconds from now (may be negative).
bool SecondsUntilHttpDate(std::string_view s, long long* seconds) {
  std::tm tm{};
  std::string text(s);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return false;
  *seconds = static_cast<long long>(timegm(&tm)) - static_cast<long long>(std::time(nullptr));
  return true;
}

std::atomic<uint64_t> g_attempts{0};
std::atomic<uint64_t> g_retries{0};

double DefaultRandom01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

RetryCounters GlobalRetryCounters() {
  return {g_attempts.load(std::memory_order_relaxed), g_retries.load(std::memory_order_relaxed)};
}

bool IsRetryableStatus(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool IsRetryableFailure(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded;
}

std::chrono::milliseconds RetryAfter(const Response& response) {
  long long v = 0;
  if (ParseDigits(response.Find("x-ms-retry-after-ms"), &v)) return std::chrono::milliseconds(v);
  std::string_view ra = response.Find("Retry-After");
  if (ParseDigits(ra, &v)) return std::chrono::seconds(v);
  if (!ra.empty() && SecondsUntilHttpDate(ra, &v) && v > 0) return std::chrono::seconds(v);
  return std::chrono::milliseconds(0);
}

Result<Response> SendWithRetry(const RetryPolicy& policy, const std::function<Result<Response>()>& attempt,
                               int* attempts_out) {
  const int max_attempts = std::max(1, policy.max_attempts);
  for (int n = 1;; ++n) {
    if (attempts_out != nullptr) *attempts_out = n;
    g_attempts.fetch_add(1, std::memory_order_relaxed);
    if (n > 1) g_retries.fetch_add(1, std::memory_order_relaxed);
    Result<Response> r = attempt();
    bool retryable = r.ok() ? IsRetryableStatus(r->status) : IsRetryableFailure(r.status());
    if (!retryable) return r;
    if (n >= max_attempts) {
      if (r.ok()) return r;
      return Status(r.status().code(), r.status().message(),
                    "gave up after " + std::to_string(n) + " attempts");
    }
    // Full jitter on an exponential ceiling, but at least what the server asked for.
    auto ceiling = std::min<long long>(policy.max_delay.count(),
                                       policy.base_delay.count() * (1ll << std::min(n - 1, 20)));
    double u = policy.random01 ? policy.random01() : DefaultRandom01();
    auto delay = std::chrono::milliseconds(static_cast<long long>(u * static_cast<double>(ceiling)));
    if (r.ok()) delay = std::max(delay, std::min(RetryAfter(*r), policy.max_retry_after));
    if (policy.sleep) {
      policy.sleep(delay);
    } else {
      std::this_thread::sleep_for(delay);
    }
  }
}

}  // namespace cv::http
