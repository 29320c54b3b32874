#include "backends/azure/identity/token_cache.h"

#include <algorithm>
#include <chrono>

namespace cv::backends::azure::identity {

int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

CachedCredential::CachedCredential(std::unique_ptr<TokenCredential> inner, Clock clock)
    : inner_(std::move(inner)), clock_(std::move(clock)) {}

int64_t CachedCredential::RefreshAt(int64_t obtained, int64_t expires_on) {
  constexpr int64_t kMargin = 300;  // 5 minutes, the usual margin of the Azure SDKs (C++: 2, .NET: 5)
  const int64_t lifetime = std::max<int64_t>(expires_on - obtained, 0);
  return expires_on - std::min(kMargin, lifetime / 2);
}

Result<AccessToken> CachedCredential::GetToken(std::string_view scope) {
  std::unique_lock lock(mu_);
  if (has_token_ && scope_ != scope) has_token_ = false;  // one scope per cache: a new one starts over
  if (has_token_ && clock_() < refresh_at_) return token_;
  if (fetching_) {
    // Someone is fetching already. A still-valid token serves meanwhile; without one, share that fetch.
    if (has_token_ && clock_() < token_.expires_on) return token_;
    const uint64_t seen = generation_;
    fetched_.wait(lock, [&] { return !fetching_; });
    if (generation_ != seen) {
      if (has_token_ && scope_ == scope && clock_() < token_.expires_on) return token_;
      if (!last_error_.ok()) return last_error_;
    }
  }
  fetching_ = true;
  lock.unlock();
  const int64_t asked = clock_();
  Result<AccessToken> fresh = inner_->GetToken(scope);
  lock.lock();
  fetching_ = false;
  ++generation_;
  fetched_.notify_all();
  if (fresh.ok()) {
    token_ = std::move(fresh).value();
    scope_ = std::string(scope);
    has_token_ = true;
    refresh_at_ = RefreshAt(asked, token_.expires_on);
    last_error_ = Status::OK();
    return token_;
  }
  last_error_ = fresh.status();
  // An early refresh that failed: the current token is still good, and the next call tries again.
  if (has_token_ && scope_ == scope && clock_() < token_.expires_on) return token_;
  return fresh.status();
}

void CachedCredential::Invalidate(const std::string& token) {
  std::lock_guard lock(mu_);
  if (has_token_ && token_.token == token) has_token_ = false;
}

}  // namespace cv::backends::azure::identity
