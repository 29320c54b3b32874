// src/crypto/key_slot.h — the vault's master key and the slots that wrap it.
//
// The master key is 64 random bytes made at `init`; it never changes (rotating a slot rewraps it, it
// never rewrites data). From it, HKDF derives the data key (AEAD for every object) and the id key
// (HMAC-SHA256 that names blobs). A key slot is a small JSON document stored in the vault under
// keys/<slot-id>: the master key sealed by a key-encryption key (KEK) that comes from a passphrase
// (scrypt) or a key file (HKDF over the file's random bytes), or (format v2) a random KEK wrapped by a key
// held in Azure Key Vault (key_wrapper.h). Format: docs/vault-format.md.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/crypto.h"
#include "crypto/key_bundle.h"
#include "crypto/key_wrapper.h"

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

// kKeyVault: format v2 only; no KeySecret is of this kind (a KeyWrapper opens it).
enum class KeySlotKind { kPassphrase, kKeyFile, kKeyVault };
std::string_view KeySlotKindName(KeySlotKind k);  // "passphrase", "keyfile", "azure-key-vault"

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
  uint64_t work = 0;    // scrypt N*r*p; 0 for key file and Key Vault slots
  std::string kid;      // Key Vault slots: the full versioned key id that wrapped the KEK
  std::string alg;      // Key Vault slots: "RSA-OAEP-256"
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

// Format v2, Key Vault: the bundle sealed (same AAD as above) under a fresh random 32-byte KEK, and the KEK
// wrapped by `wrapper` with exactly `kid` (RSA-OAEP-256). The slot records the kid, the algorithm and the
// wrapped KEK (base64url). InvalidArgument for a kid that is not https://HOST/keys/NAME/VERSION; Internal
// when the wrapper answers for another kid or algorithm than asked.
Result<std::string> WrapKeyBundleWithKeyVault(const KeyBundle& bundle, KeyWrapper& wrapper,
                                              std::string_view kid, std::string_view slot_id,
                                              std::string_view vault_id);
// Unwraps the KEK with exactly the recorded kid, then opens the bundle. The wrapper's errors
// (PermissionDenied, Unavailable) come back annotated with the slot; a KEK that does not open the bundle is
// Corruption (the slot was damaged or its parts swapped); InvalidArgument for a slot of another kind.
Result<KeyBundle> UnwrapKeyBundleWithKeyVault(std::string_view slot_json, KeyWrapper& wrapper,
                                              std::string_view vault_id);
// "https://HOST/keys/NAME/VERSION" with a non-empty NAME and VERSION of [A-Za-z0-9-]: what a slot may record.
bool ValidVersionedKid(std::string_view kid);
inline constexpr std::string_view kKeyVaultAlg = "RSA-OAEP-256";

}  // namespace cv::crypto
