// src/storage/counting_store.h — a decorator (restic's backend wrappers) that counts the requests the
// engine makes through it, and can keep a log of them: what a command costs on a cloud store, where a
// request is a round trip and a charge, and which objects it touched (tests: a node's backup reads only
// its own partition). Counts are per call of the interface; a List call is one request per page on a cloud
// store, so `listed_keys` is kept too. Thread-safe. Several stores may also add into one `Tally` (the CLI's
// CASSVAULT_STATS=1 sums every store a command opens, backends/registry.h).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/object_store.h"

namespace cv::storage {

struct RequestCounts {
  uint64_t puts = 0, gets = 0, stats = 0, lists = 0, deletes = 0, listed_keys = 0;
  uint64_t locks = 0;  // SetLock, GetLock and ProbeLocks calls (prune's lock application, init, doctor)
  uint64_t Requests() const { return puts + gets + stats + lists + deletes + locks; }
};

// Counts shared by several CountingStores (it outlives them); thread-safe.
class RequestTally {
 public:
  RequestCounts counts() const {
    return {puts.load(),    gets.load(),        stats.load(), lists.load(),
            deletes.load(), listed_keys.load(), locks.load()};
  }
  std::atomic<uint64_t> puts{0}, gets{0}, stats{0}, lists{0}, deletes{0}, listed_keys{0}, locks{0};
};

class CountingStore final : public ObjectStore {
 public:
  using Counts = RequestCounts;
  struct Request {
    char op;  // 'P'ut, 'G'et, 'S'tat, 'L'ist (key = the prefix), 'D'elete, loc'K' (Set/Get/ProbeLocks)
    std::string key;
  };

  // `also`, when given, must outlive this store: every request is added to it too.
  explicit CountingStore(std::unique_ptr<ObjectStore> inner, bool keep_log = false,
                         RequestTally* also = nullptr)
      : inner_(std::move(inner)), keep_log_(keep_log), also_(also) {}

  Counts counts() const {
    return {puts_.load(),    gets_.load(),        stats_.load(), lists_.load(),
            deletes_.load(), listed_keys_.load(), locks_.load()};
  }
  void Reset() {
    puts_ = gets_ = stats_ = lists_ = deletes_ = listed_keys_ = locks_ = 0;
    std::lock_guard<std::mutex> lock(mu_);
    log_.clear();
  }
  std::vector<Request> Log() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

  std::string Describe() const override { return inner_->Describe(); }
  StoreProperties Properties() const override { return inner_->Properties(); }
  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    Note(puts_, also_ ? &also_->puts : nullptr, 'P', key);
    return inner_->Put(key, data);
  }
  Status Get(std::string_view key, uint64_t offset, uint64_t length, std::vector<uint8_t>* out) override {
    Note(gets_, also_ ? &also_->gets : nullptr, 'G', key);
    return inner_->Get(key, offset, length, out);
  }
  Result<std::span<const uint8_t>> GetView(std::string_view key, uint64_t offset, uint64_t length,
                                           std::vector<uint8_t>* buf) override {
    Note(gets_, also_ ? &also_->gets : nullptr, 'G', key);
    return inner_->GetView(key, offset, length, buf);
  }
  Status GetUpTo(std::string_view key, uint64_t max_bytes, std::string_view what,
                 std::vector<uint8_t>* out) override {
    Note(gets_, also_ ? &also_->gets : nullptr, 'G', key);
    return inner_->GetUpTo(key, max_bytes, what, out);
  }
  Result<ObjectInfo> Stat(std::string_view key) override {
    Note(stats_, also_ ? &also_->stats : nullptr, 'S', key);
    return inner_->Stat(key);
  }
  Status List(std::string_view prefix, const std::function<void(const ObjectInfo&)>& fn) override {
    Note(lists_, also_ ? &also_->lists : nullptr, 'L', prefix);
    return inner_->List(prefix, [&](const ObjectInfo& o) {
      ++listed_keys_;
      if (also_ != nullptr) ++also_->listed_keys;
      fn(o);
    });
  }
  Status Delete(std::string_view key) override {
    Note(deletes_, also_ ? &also_->deletes : nullptr, 'D', key);
    return inner_->Delete(key);
  }
  Result<LockSupport> ProbeLocks() override {
    Note(locks_, also_ ? &also_->locks : nullptr, 'K', "");
    return inner_->ProbeLocks();
  }
  Status SetLock(std::string_view key, const ObjectLock& lock) override {
    Note(locks_, also_ ? &also_->locks : nullptr, 'K', key);
    return inner_->SetLock(key, lock);
  }
  Result<std::optional<ObjectLock>> GetLock(std::string_view key) override {
    Note(locks_, also_ ? &also_->locks : nullptr, 'K', key);
    return inner_->GetLock(key);
  }

 private:
  void Note(std::atomic<uint64_t>& counter, std::atomic<uint64_t>* also, char op, std::string_view key) {
    ++counter;
    if (also != nullptr) ++*also;
    if (!keep_log_) return;
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back({op, std::string(key)});
  }

  std::unique_ptr<ObjectStore> inner_;
  const bool keep_log_;
  RequestTally* const also_;
  std::atomic<uint64_t> puts_{0}, gets_{0}, stats_{0}, lists_{0}, deletes_{0}, listed_keys_{0}, locks_{0};
  mutable std::mutex mu_;
  std::vector<Request> log_;  // GUARDED_BY(mu_)
};

}  // namespace cv::storage
