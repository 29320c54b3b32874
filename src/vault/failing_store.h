// src/vault/failing_store.h — tests only: a store decorator that fails chosen Puts, as a process killed
// just before that write would leave the vault (a Put is atomic: the object is whole or absent). Used to
// kill a backup and a consolidation at every step in turn.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "storage/forwarding_store.h"

namespace cv::vault::testutil {

class FailingStore final : public storage::ForwardingStore {
 public:
  // Fails the `fail_at`-th Put (1-based; 0: none) and every Put after it, and every Put whose key starts
  // with `fail_prefix` (empty: none).
  FailingStore(std::unique_ptr<storage::ObjectStore> inner, uint64_t fail_at, std::string fail_prefix = {})
      : ForwardingStore(std::move(inner)), fail_at_(fail_at), fail_prefix_(std::move(fail_prefix)) {}
  uint64_t puts() const { return puts_.load(); }
  bool failed() const { return failed_.load(); }

  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    const uint64_t n = ++puts_;
    if ((fail_at_ != 0 && n >= fail_at_) || (!fail_prefix_.empty() && key.rfind(fail_prefix_, 0) == 0)) {
      failed_ = true;
      return Status::Unavailable(std::string(key), "test: the process was killed before this write");
    }
    return ForwardingStore::Put(key, data);
  }

 private:
  const uint64_t fail_at_;
  const std::string fail_prefix_;
  std::atomic<uint64_t> puts_{0};
  std::atomic<bool> failed_{false};
};

}  // namespace cv::vault::testutil
