#include "http/retry.h"

#include <gtest/gtest.h>

#include <vector>

namespace cv::http {
namespace {

Response WithStatus(long status, std::vector<Header> headers = {}) {
  Response r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

// A policy that records its sleeps instead of sleeping, with the jitter pinned.
struct Recorder {
  std::vector<long long> sleeps;
  RetryPolicy Policy(double jitter = 1.0) {
    RetryPolicy p;
    p.base_delay = std::chrono::milliseconds(100);
    p.max_delay = std::chrono::milliseconds(1000);
    p.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d.count()); };
    p.random01 = [jitter] { return jitter; };
    return p;
  }
};

TEST(RetryTest, RetriesTransientStatusesWithExponentialCeilingThenSucceeds) {
  Recorder rec;
  std::vector<long> script = {503, 500, 429, 502, 200};
  size_t i = 0;
  int attempts = 0;
  auto r = SendWithRetry(
      rec.Policy(), [&]() -> Result<Response> { return WithStatus(script[i++]); }, &attempts);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(attempts, 5);
  EXPECT_EQ(rec.sleeps, (std::vector<long long>{100, 200, 400, 800}));
}

TEST(RetryTest, JitterScalesTheDelayAndTheCeilingCapsIt) {
  Recorder rec;
  int calls = 0;
  auto policy = rec.Policy(0.5);
  policy.max_attempts = 7;
  auto r = SendWithRetry(policy, [&]() -> Result<Response> {
    ++calls;
    return WithStatus(504);
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 504);  // the last retryable response, for the caller to map
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(rec.sleeps, (std::vector<long long>{50, 100, 200, 400, 500, 500}));
}

TEST(RetryTest, HonoursRetryAfterSecondsAndMilliseconds) {
  Recorder rec;
  std::vector<Response> script = {WithStatus(429, {{"Retry-After", "3"}}),
                                  WithStatus(503, {{"x-ms-retry-after-ms", "1500"}}), WithStatus(201)};
  size_t i = 0;
  auto r = SendWithRetry(rec.Policy(0.0), [&]() -> Result<Response> { return script[i++]; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(rec.sleeps, (std::vector<long long>{3000, 1500}));
}

TEST(RetryTest, RetryAfterIsCapped) {
  Recorder rec;
  auto policy = rec.Policy(0.0);
  policy.max_retry_after = std::chrono::milliseconds(2000);
  policy.max_attempts = 2;
  (void)SendWithRetry(policy, [&]() -> Result<Response> {
    return WithStatus(503, {{"Retry-After", "86400"}});
  });
  EXPECT_EQ(rec.sleeps, (std::vector<long long>{2000}));
}

TEST(RetryTest, RetryAfterAsHttpDate) {
  Response r = WithStatus(503, {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}});
  EXPECT_EQ(RetryAfter(r).count(), 0);  // in the past: no wait
  std::time_t later = std::time(nullptr) + 30;
  char buf[64];
  std::tm tm{};
  gmtime_r(&later, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  r = WithStatus(503, {{"Retry-After", buf}});
  EXPECT_GE(RetryAfter(r).count(), 28000);
  EXPECT_LE(RetryAfter(r).count(), 30000);
}

TEST(RetryTest, TransportFailuresAreRetriedOthersAreNot) {
  Recorder rec;
  int calls = 0;
  auto r = SendWithRetry(rec.Policy(), [&]() -> Result<Response> {
    ++calls;
    if (calls == 1) return Status::Unavailable("PUT http://h/p", "connection reset");
    if (calls == 2) return Status(StatusCode::kDeadlineExceeded, "PUT http://h/p", "stalled");
    return WithStatus(201);
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls, 3);

  calls = 0;
  auto cert = SendWithRetry(rec.Policy(), [&]() -> Result<Response> {
    ++calls;
    return Status::FailedPrecondition("GET https://h/p", "TLS certificate not verified");
  });
  EXPECT_EQ(cert.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(calls, 1);

  for (long status : {400L, 401L, 403L, 404L, 409L, 412L}) {
    calls = 0;
    auto r2 = SendWithRetry(rec.Policy(), [&]() -> Result<Response> {
      ++calls;
      return WithStatus(status);
    });
    EXPECT_EQ(r2->status, status);
    EXPECT_EQ(calls, 1) << status;
  }
}

TEST(RetryTest, GivingUpSaysHowOften) {
  Recorder rec;
  auto policy = rec.Policy();
  policy.max_attempts = 3;
  int attempts = 0;
  auto r = SendWithRetry(
      policy, [&]() -> Result<Response> { return Status::Unavailable("GET http://h/k", "refused"); },
      &attempts);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(attempts, 3);
  EXPECT_NE(r.status().message().find("GET http://h/k"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("gave up after 3 attempts"), std::string::npos)
      << r.status().ToString();
}

}  // namespace
}  // namespace cv::http
