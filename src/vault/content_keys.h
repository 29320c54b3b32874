// src/vault/content_keys.h — the content keys of a format v2 vault (docs/vault-format.md, "Content keys").
//
// Every backup session draws a fresh 32-byte content key K, which seals that session's blobs and manifest.
// K is stored once, sealed to the vault's newest reader public key (crypto/sealed_box.h), as
// content-keys/<random id>: a node holding only the writer key can seal new backups but open none. K's
// object is written before any blob it seals, so a pack never names a key that is not in the vault.
//
// Thread-safe: opened keys are cached (a restore opens each key once, whatever number of blobs it reads).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "core/result.h"
#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "vault/object_table.h"

namespace cv::vault {

struct ContentKey {
  ObjectId id{};
  crypto::SecretBytes key;                  // 32 bytes
  mutable std::atomic<uint64_t> sealed{0};  // blobs sealed with it by this process (blob_codec.h)
};

class ContentKeys {
 public:
  // The table (and its keys, a v2 bundle) must outlive this.
  explicit ContentKeys(ObjectTable& table) : table_(table) {}

  // A new key sealed to the newest reader key and written create-only.
  Result<std::shared_ptr<const ContentKey>> Create();
  // The key content-keys/<id>, opened with the reader private key it was sealed to. PermissionDenied
  // (naming the key needed) for a writer bundle, before anything is read; Corruption if the object does not
  // open as this vault's key `id`.
  Result<std::shared_ptr<const ContentKey>> Get(const ObjectId& id);

 private:
  ObjectTable& table_;
  std::mutex mu_;
  std::map<ObjectId, std::shared_ptr<const ContentKey>> opened_;  // GUARDED_BY(mu_)
};

}  // namespace cv::vault
