// src/vault/vault_keys.h — the opened keys of a vault, whichever format it is, and the one place that knows
// how each format seals an object of a kind (docs/vault-format.md, "Sealing").
//
//   v1  one master key: AES-256-GCM under its data key, the kind's constant AAD (+ a backup record's id).
//   v2  a key bundle of one role (crypto/key_bundle.h): metadata is sealed under the metadata root with
//       crypto::ObjectSealer (a subkey per message), AAD = layout::ObjectAadV2(vault, kind, name).
//
// The engine's pieces (object table, packs, catalog) ask this for seals instead of holding a key, so the
// same code serves both formats. Thread-safe: every call makes its own sealer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "crypto/key_bundle.h"
#include "crypto/key_slot.h"

namespace cv::vault {

class VaultKeys {
 public:
  static VaultKeys V1(std::string vault_id, crypto::MasterKey key);
  static VaultKeys V2(std::string vault_id, crypto::KeyBundle bundle);

  int format() const { return bundle_ ? 2 : 1; }
  const std::string& vault_id() const { return vault_id_; }
  // Non-null for the format it is.
  const crypto::MasterKey* master() const { return master_ ? &*master_ : nullptr; }
  const crypto::KeyBundle* bundle() const { return bundle_ ? &*bundle_ : nullptr; }

  // The AAD an object of `kind` named `name` is sealed with in this vault's format.
  std::string Aad(layout::ObjectKind kind, std::string_view name) const;

  // Metadata: everything but blobs and (v2) manifests, which content keys seal.
  Result<crypto::Bytes> Seal(layout::ObjectKind kind, std::string_view name, crypto::ByteView plain) const;
  // False if `sealed` does not open as `kind` named `name` in this vault (another key, place or vault).
  bool Open(layout::ObjectKind kind, std::string_view name, crypto::ByteView sealed,
            crypto::Bytes* plain) const;

  // v2: sealing under another root (a backup's content key), bound the same way.
  Result<crypto::Bytes> SealUnder(crypto::ByteView root, layout::ObjectKind kind, std::string_view name,
                                  crypto::ByteView plain) const;
  bool OpenUnder(crypto::ByteView root, layout::ObjectKind kind, std::string_view name,
                 crypto::ByteView sealed, crypto::Bytes* plain) const;

 private:
  VaultKeys() = default;
  std::string vault_id_;
  std::optional<crypto::MasterKey> master_;
  std::optional<crypto::KeyBundle> bundle_;
};

}  // namespace cv::vault
