// src/crypto/key_bundle.h — the keys of a format v2 vault, and which of them each role holds.
//
// v1 had one master key: whoever could back up could read every backup. v2 splits it by role:
//   writer  the writer secret (blob ids, metadata: records, index, reference sets, policies) and the public
//           halves of the reader and admin keys. A backup node: it backs up, lists and fast-verifies, and
//           seals each backup's content key to the reader's public key, so it cannot read any backup back.
//   reader  the writer's keys plus every reader private key: restore and deep verify.
//   admin   everything, plus the admin signing key that signs policies, deletions and key changes.
// A key slot wraps the bundle of one role (key_slot.h). A one-key vault has only admin slots.
// Reader keys are a list: rotating adds one (new backups seal to the newest), old ones open old backups.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/sealed_box.h"
#include "crypto/signing_key.h"

namespace cv::crypto {

enum class KeyRole : uint8_t { kWriter = 1, kReader = 2, kAdmin = 3 };
std::string_view KeyRoleName(KeyRole r);  // "writer", "reader", "admin"

struct ReaderKey {
  uint32_t id = 0;
  PublicKey32 public_key{};
  std::optional<X25519KeyPair> pair;  // the private half: reader and admin bundles only
};

class KeyBundle {
 public:
  // A new vault's keys: admin role, one reader key (id 1).
  static Result<KeyBundle> Generate();
  // Corruption names what is wrong (never a key byte): a bad length, an unknown role, a private key whose
  // public half is not the one stored next to it, a role holding keys it may not hold.
  static Result<KeyBundle> Parse(ByteView bytes);
  SecretBytes Serialize() const;

  // The same keys, cut down to what `role` may hold; InvalidArgument when this bundle holds less.
  Result<KeyBundle> ForRole(KeyRole role) const;
  // Admin only: a new reader key pair, which new backups seal their content keys to from now on.
  Status AddReaderKey();

  KeyRole role() const { return role_; }
  ByteView blob_id_key() const { return blob_id_key_.view(); }  // 32 bytes: the BLAKE3 key naming blobs
  ByteView metadata_root() const { return metadata_root_.view(); }
  ByteView config_key() const { return config_key_.view(); }

  const ReaderKey& current_reader() const { return readers_.back(); }
  const std::vector<ReaderKey>& readers() const { return readers_; }
  // PermissionDenied when this bundle is a writer's ("... needs a reader or admin key"), NotFound for an
  // unknown id.
  Result<const X25519KeyPair*> ReaderPrivate(uint32_t id) const;

  const PublicKey32& admin_public() const { return admin_public_; }
  // PermissionDenied unless this is an admin bundle.
  Result<const SigningKey*> AdminSigner() const;

 private:
  KeyBundle() = default;
  Status Derive();

  KeyRole role_ = KeyRole::kAdmin;
  SecretBytes writer_secret_;
  SecretBytes blob_id_key_, metadata_root_, config_key_;
  std::vector<ReaderKey> readers_;
  PublicKey32 admin_public_{};
  std::optional<SigningKey> admin_;
};

}  // namespace cv::crypto
