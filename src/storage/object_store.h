// src/storage/object_store.h — the one seam between the vault engine and where bytes live.
//
// The contract every backend keeps (kopia's, at restic's size): keys are `/`-separated relative names
// (docs/vault-format.md says which); Put is atomic and create-only — an existing key yields
// AlreadyExists and is left untouched; a Put that returns OK is durable and immediately visible to Get,
// Stat and List; List yields each key once. There is no rename and no append, because blob stores lack
// them. Backends see only ciphertext. Implementations are safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace cv::storage {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

struct StoreProperties {
  int connections = 4;             // parallel requests worth making
  bool native_create_only = true;  // Put's create-only is enforced by the store itself
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Human-readable location for messages ("file:///var/backups/vault"). Never contains secrets.
  virtual std::string Describe() const = 0;
  virtual StoreProperties Properties() const = 0;

  // Create-only atomic write. AlreadyExists if `key` exists (its bytes are not compared).
  virtual Status Put(std::string_view key, std::span<const uint8_t> data) = 0;
  // Reads [offset, offset+length) — length 0 means to the end. NotFound if absent. A short object
  // (fewer bytes than asked) is Corruption: the caller asked for a range it was told exists.
  virtual Status Get(std::string_view key, uint64_t offset, uint64_t length, std::vector<uint8_t>* out) = 0;
  virtual Result<ObjectInfo> Stat(std::string_view key) = 0;
  // Every key under `prefix` (a folder-like prefix such as "packs/"), in no particular order.
  virtual Status List(std::string_view prefix, const std::function<void(const ObjectInfo&)>& fn) = 0;
  // Privileged: backups never call it. NotFound if absent.
  virtual Status Delete(std::string_view key) = 0;
};

}  // namespace cv::storage
