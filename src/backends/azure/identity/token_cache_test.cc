// CachedCredential: when it refreshes (a fake clock), what it does when a refresh fails, and that a
// crowd of threads makes one token request.
#include "backends/azure/identity/token_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace cv::backends::azure::identity {
namespace {

// Hands out "t1", "t2", ... valid for `lifetime` seconds from the fake clock's now, or fails on demand.
class FakeSource : public TokenCredential {
 public:
  FakeSource(int64_t* now, int64_t lifetime) : now_(now), lifetime_(lifetime) {}
  Result<AccessToken> GetToken(std::string_view) override {
    ++calls;
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (fail) return Status::Unavailable("fake", "endpoint down");
    return AccessToken{"t" + std::to_string(calls.load()), *now_ + lifetime_};
  }
  std::string Name() const override { return "fake"; }
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  std::chrono::milliseconds delay{0};

 private:
  int64_t* now_;
  int64_t lifetime_;
};

struct Fixture {
  explicit Fixture(int64_t lifetime) {
    auto s = std::make_unique<FakeSource>(&now, lifetime);
    source = s.get();
    cache = std::make_unique<CachedCredential>(std::move(s), [this] { return now; });
  }
  int64_t now = 1'000'000;
  FakeSource* source = nullptr;
  std::unique_ptr<CachedCredential> cache;
  std::string Get() {
    auto t = cache->GetToken(kStorageScope);
    return t.ok() ? t->token : "error: " + t.status().message();
  }
};

TEST(TokenCache, RefreshPointIsFiveMinutesBeforeExpiryOrHalfwayForShortTokens) {
  EXPECT_EQ(CachedCredential::RefreshAt(0, 3600), 3300);
  EXPECT_EQ(CachedCredential::RefreshAt(0, 600), 300);
  EXPECT_EQ(CachedCredential::RefreshAt(0, 300), 150);
  EXPECT_EQ(CachedCredential::RefreshAt(100, 105), 103);  // 5-second token: after 2-3 s
  EXPECT_EQ(CachedCredential::RefreshAt(100, 90), 90);    // already expired on arrival
}

TEST(TokenCache, KeepsTheTokenUntilItsRefreshPointThenFetchesOnce) {
  Fixture f(3600);
  EXPECT_EQ(f.Get(), "t1");
  f.now += 3299;
  EXPECT_EQ(f.Get(), "t1");
  EXPECT_EQ(f.source->calls, 1);
  f.now += 1;  // 5 minutes before expiry
  EXPECT_EQ(f.Get(), "t2");
  EXPECT_EQ(f.Get(), "t2");
  EXPECT_EQ(f.source->calls, 2);
}

TEST(TokenCache, ShortTokensAreRefreshedHalfwayThroughTheirLifetime) {
  Fixture f(10);
  EXPECT_EQ(f.Get(), "t1");
  f.now += 4;
  EXPECT_EQ(f.Get(), "t1");
  f.now += 1;
  EXPECT_EQ(f.Get(), "t2");
}

TEST(TokenCache, AFailedEarlyRefreshKeepsTheValidTokenAndAnExpiredOneFails) {
  Fixture f(3600);
  EXPECT_EQ(f.Get(), "t1");
  f.source->fail = true;
  f.now += 3400;  // in the refresh window, still valid
  EXPECT_EQ(f.Get(), "t1");
  EXPECT_EQ(f.source->calls, 2);
  f.now += 200;  // expired now
  EXPECT_EQ(f.Get(), "error: fake: endpoint down");
  f.source->fail = false;
  EXPECT_EQ(f.Get(), "t4");
}

TEST(TokenCache, InvalidateDropsOnlyTheRefusedToken) {
  Fixture f(3600);
  EXPECT_EQ(f.Get(), "t1");
  f.cache->Invalidate("some older token");
  EXPECT_EQ(f.Get(), "t1");
  f.cache->Invalidate("t1");
  EXPECT_EQ(f.Get(), "t2");
  EXPECT_EQ(f.source->calls, 2);
}

TEST(TokenCache, ConcurrentCallersShareOneFetch) {
  Fixture f(3600);
  f.source->delay = std::chrono::milliseconds(100);
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (f.Get() == "t1") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(f.source->calls, 1);
}

TEST(TokenCache, ConcurrentCallersShareOneFailure) {
  Fixture f(3600);
  f.source->delay = std::chrono::milliseconds(100);
  f.source->fail = true;
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> failed{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (f.Get().rfind("error:", 0) == 0) ++failed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 4);
  EXPECT_LE(f.source->calls, 2);  // one fetch, or two if a thread arrived after the first finished
}

}  // namespace
}  // namespace cv::backends::azure::identity
