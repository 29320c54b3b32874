// src/storage/forwarding_store.h — the base of store decorators (restic's backend wrappers, kopia's
// blobtesting): every call goes to the wrapped store, so a decorator overrides only what it changes (a
// fault, a hook, a count) and stays correct when the interface grows.
#pragma once

#include <memory>
#include <utility>

#include "storage/object_store.h"

namespace cv::storage {

class ForwardingStore : public ObjectStore {
 public:
  explicit ForwardingStore(std::shared_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}

  std::string Describe() const override { return inner_->Describe(); }
  StoreProperties Properties() const override { return inner_->Properties(); }
  Status Put(std::string_view key, std::span<const uint8_t> data) override { return inner_->Put(key, data); }
  Status Get(std::string_view key, uint64_t offset, uint64_t length, std::vector<uint8_t>* out) override {
    return inner_->Get(key, offset, length, out);
  }
  Result<std::span<const uint8_t>> GetView(std::string_view key, uint64_t offset, uint64_t length,
                                           std::vector<uint8_t>* buf) override {
    return inner_->GetView(key, offset, length, buf);
  }
  Status GetUpTo(std::string_view key, uint64_t max_bytes, std::string_view what,
                 std::vector<uint8_t>* out) override {
    return inner_->GetUpTo(key, max_bytes, what, out);
  }
  Result<ObjectInfo> Stat(std::string_view key) override { return inner_->Stat(key); }
  Status List(std::string_view prefix, const std::function<void(const ObjectInfo&)>& fn) override {
    return inner_->List(prefix, fn);
  }
  Status Delete(std::string_view key) override { return inner_->Delete(key); }
  Result<LockSupport> ProbeLocks() override { return inner_->ProbeLocks(); }
  Status SetLock(std::string_view key, const ObjectLock& lock) override { return inner_->SetLock(key, lock); }
  Result<std::optional<ObjectLock>> GetLock(std::string_view key) override { return inner_->GetLock(key); }

 protected:
  ObjectStore& inner() { return *inner_; }

 private:
  std::shared_ptr<ObjectStore> inner_;
};

}  // namespace cv::storage
