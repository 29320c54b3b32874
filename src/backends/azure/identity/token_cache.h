// src/backends/azure/identity/token_cache.h — keeps one access token and fetches the next one before
// the current one runs out, so that a backup longer than a token's lifetime never sees it expire.
//
// Refresh point: 5 minutes before expiry, or halfway through the lifetime for tokens shorter than 10
// minutes (a 5-second test token is refreshed after 2.5 s). A refresh that fails while the old token is
// still valid keeps the old one (the identity endpoint may be briefly down; the next call tries again).
//
// Thread-safe and single-flight: one thread fetches while the others keep using the still-valid token,
// or, when there is none, wait for that one fetch and share its result (a pool of workers starting at
// once makes one token request, not eight). The clock is injected so that tests control time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "backends/azure/identity/token_credential.h"

namespace cv::backends::azure::identity {

// Unix seconds now; the default reads the system clock.
using Clock = std::function<int64_t()>;
int64_t SystemNow();

class CachedCredential final : public TokenCredential {
 public:
  explicit CachedCredential(std::unique_ptr<TokenCredential> inner, Clock clock = SystemNow);

  Result<AccessToken> GetToken(std::string_view scope) override;
  std::string Name() const override { return inner_->Name(); }

  // The service refused `token` (expired early, revoked, clock skew): forget it, so that the next
  // GetToken fetches a new one. A token other than the cached one (already replaced) is ignored.
  void Invalidate(const std::string& token);

  // When a token obtained at `obtained` and valid until `expires_on` should be replaced.
  static int64_t RefreshAt(int64_t obtained, int64_t expires_on);

 private:
  std::unique_ptr<TokenCredential> inner_;
  Clock clock_;
  std::mutex mu_;
  std::condition_variable fetched_;
  bool fetching_ = false;    // GUARDED_BY(mu_)
  uint64_t generation_ = 0;  // completed fetches; GUARDED_BY(mu_)
  Status last_error_;        // of the latest fetch; GUARDED_BY(mu_)
  bool has_token_ = false;   // GUARDED_BY(mu_)
  AccessToken token_;        // GUARDED_BY(mu_)
  std::string scope_;        // the scope token_ is for; GUARDED_BY(mu_)
  int64_t refresh_at_ = 0;   // GUARDED_BY(mu_)
};

}  // namespace cv::backends::azure::identity
