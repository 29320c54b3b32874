// src/crypto/key_slot.h — the vault's master key and the slots that wrap it.
//
// The master key is 64 random bytes made at `init`; it never changes (rotating a slot rewraps it, it
// never rewrites data). From it, HKDF derives the data key (AEAD for every object) and the id key
// (HMAC-SHA256 that names blobs). A key slot is a small JSON document stored in the vault under
// keys/<slot-id>: the master key sealed by a key-encryption key (KEK) that comes from a passphrase
// (scrypt) or a key file (HKDF over the file's random bytes). Format: docs/vault-format.md.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/crypto.h"
#include "crypto/key_bundle.h"

namespace cv::crypto {

class MasterKey {
 public:
  static constexpr size_t kSize = 64;
  static Result<MasterKey> Generate();
  static Result<MasterKey> FromBytes(ByteView b);  // InvalidArgument if not kSize bytes

  const SecretBytes& raw() const { return raw_; }
  const SecretBytes& data_key() const { return data_key_; }  // 32 bytes: AEAD key
  const SecretBytes& id_key() const { return id_key_; }      // 32 bytes: HMAC key naming blobs

 private:
  SecretBytes raw_, data_key_, id_key_;
};

enum class KeySlotKind { kPassphrase, kKeyFile };

// What unlocks a slot. The secret is held in memory only, never logged.
struct KeySecret {
  KeySlotKind kind = KeySlotKind::kPassphrase;
  SecretBytes secret;  // the passphrase's UTF-8 bytes, or the key file's contents
  // A key file of printable text that is not base64: most likely a human passphrase put in a file, which
  // HKDF does not stretch. New slots refuse it; opening an existing slot with it only warns.
  bool weak_text_key_file = false;
};

// What a slot document says about itself, read without deriving anything: lets a caller try the
// cheapest slots first and list slots.
struct KeySlotInfo {
  std::string id;
  int version = 1;                 // 1: wraps a master key (format v1); 2: a key bundle (format v2)
  KeyRole role = KeyRole::kAdmin;  // version 2 only
  KeySlotKind kind = KeySlotKind::kPassphrase;
  ScryptParams scrypt;  // passphrase slots only
  uint64_t work = 0;    // scrypt N*r*p; 0 for key file slots (one HKDF)
};
// Corruption or NotSupported as UnwrapMasterKey would report them, including scrypt parameters over the caps.
Result<KeySlotInfo> InspectKeySlot(std::string_view slot_json);

// Reads a key file: at least 32 bytes of key material (`cassvault key generate-file` writes 32 random
// bytes as base64 text). InvalidArgument names the file and what is wrong; the contents never appear.
Result<KeySecret> LoadKeyFile(std::string_view path);
KeySecret PassphraseSecret(std::string_view passphrase);
// Writes a new key file (mode 0600, create-only): 32 random bytes, base64, newline.
Status WriteNewKeyFile(std::string_view path);

// Serialises the slot as JSON (no secret in clear). `slot_id` is a random 16-hex-digit name.
Result<std::string> WrapMasterKey(const MasterKey& key, const KeySecret& secret, std::string_view slot_id,
                                  const ScryptParams& params = {});
// PermissionDenied("key slot <id>", "the passphrase or key file does not open this vault") on a wrong
// secret; Corruption on a malformed slot document; InvalidArgument if the slot's kind differs from the
// secret's.
Result<MasterKey> UnwrapMasterKey(std::string_view slot_json, const KeySecret& secret);

// Format v2: a slot wraps the key bundle of one role, bound to its vault (`vault_id`), slot id and role.
// Errors as for the master key, plus Corruption when the bundle inside is not the role the slot names.
Result<std::string> WrapKeyBundle(const KeyBundle& bundle, const KeySecret& secret, std::string_view slot_id,
                                  std::string_view vault_id, const ScryptParams& params = {});
Result<KeyBundle> UnwrapKeyBundle(std::string_view slot_json, const KeySecret& secret,
                                  std::string_view vault_id);

}  // namespace cv::crypto
