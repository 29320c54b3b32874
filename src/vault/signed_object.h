// src/vault/signed_object.h — objects only an admin may write (policies, leases; docs/vault-format.md,
// "Signed objects"). Every key role can create objects in a shared vault, so sealing alone does not say
// who wrote one: these carry an Ed25519 signature of the admin key inside the seal, and every role holds the
// admin public key to check it.
//
//   plaintext = signature (64 bytes) | payload
//   signed    = "cassvault/v2/signed" NUL | vault id (32 hex) | u16 BE kind | u16 BE name length | name |
//               payload
//
// The message binds the vault, the kind, the object's whole name and the whole payload: a signed object
// copied under another name (another policy, another version) or into another vault does not verify.
// Format v2 only (v1 vaults have no admin key).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "vault/object_table.h"
#include "vault/vault_keys.h"

namespace cv::vault {

// The message the admin key signs for `payload` stored as `kind` named `key` in the vault of `keys`.
std::string SignedMessage(const VaultKeys& keys, layout::ObjectKind kind, std::string_view key,
                          std::string_view payload);

// What a v2 seal adds to a plaintext (scheme, salt, tag), with room to spare: writers check that an object
// stays within its kind's read bound.
inline constexpr size_t kSealOverhead = 64;

// Signs and seals `payload` and writes it create-only as `key`. PermissionDenied (naming `what`) without an
// admin key, InvalidArgument if it would be larger than the kind's read bound, before anything is written.
Status PutSigned(ObjectTable& objects, layout::ObjectKind kind, std::string_view key,
                 std::string_view payload, std::string_view what);

// The payload of a signed object. Corruption naming the object if it does not open as `kind` named `key`,
// or if its signature is not this vault's admin key's over exactly this name and payload.
Result<std::string> GetSigned(ObjectTable& objects, layout::ObjectKind kind, std::string_view key,
                              KnownSize size = std::nullopt);

}  // namespace cv::vault
