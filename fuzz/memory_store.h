// fuzz/memory_store.h — an ObjectStore held in memory, so the vault's readers can be fuzzed through their
// public API (Vault::Open, LoadIndex, LoadRecord, LoadManifest) without disk or network I/O.
// Fuzz-only: it keeps the ObjectStore contract (create-only Put, ranged Get, short object = Corruption).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "storage/object_store.h"

namespace cv::fuzz {

class MemoryStore : public storage::ObjectStore {
 public:
  std::string Describe() const override { return "mem://fuzz"; }
  storage::StoreProperties Properties() const override { return {1, true}; }

  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = objects_.try_emplace(std::string(key), data.begin(), data.end());
    if (!fresh) return Status::AlreadyExists(std::string(key), "exists");
    return Status::OK();
  }

  Status Get(std::string_view key, uint64_t offset, uint64_t length, std::vector<uint8_t>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Status::NotFound(std::string(key), "absent");
    const auto& bytes = it->second;
    if (offset > bytes.size() || (length != 0 && length > bytes.size() - offset)) {
      return Status::Corruption(std::string(key), "shorter than the range asked for");
    }
    uint64_t n = length == 0 ? bytes.size() - offset : length;
    out->assign(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                bytes.begin() + static_cast<std::ptrdiff_t>(offset + n));
    return Status::OK();
  }

  Result<storage::ObjectInfo> Stat(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Status::NotFound(std::string(key), "absent");
    return storage::ObjectInfo{it->first, it->second.size()};
  }

  Status List(std::string_view prefix, const std::function<void(const storage::ObjectInfo&)>& fn) override {
    std::vector<storage::ObjectInfo> found;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [k, v] : objects_) {
        if (k.starts_with(prefix)) found.push_back({k, v.size()});
      }
    }
    for (const auto& o : found) fn(o);
    return Status::OK();
  }

  Status Delete(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (objects_.erase(std::string(key)) == 0) return Status::NotFound(std::string(key), "absent");
    return Status::OK();
  }

  // Drops every object whose key starts with `prefix` (a fuzz iteration's leftovers).
  void Clear(std::string_view prefix) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = objects_.begin(); it != objects_.end();) {
      it = it->first.starts_with(prefix) ? objects_.erase(it) : std::next(it);
    }
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<uint8_t>> objects_;
};

}  // namespace cv::fuzz
