// src/vault/key_slots.h — the vault's key slots (keys/<slot id>): each wraps, under a passphrase or a key
// file, the one master key (format v1) or the key bundle of one role (v2), or (v2) under a KEK that an Azure
// Key Vault key wraps (crypto/key_slot.h;
// docs/vault-format.md, "Key slots").
//
// Anyone who can write the store can add a slot, so unlocking reads every slot document (bounded) and
// inspects it without deriving anything; slots that do not parse, cost more than any slot cassvault
// writes, or have a name no slot has are skipped and named. The rest, of the secret's kind, are tried
// cheapest first: an added slot can neither make the unlock expensive nor be tried before cheaper ones
// because of its name.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/crypto.h"
#include "crypto/key_bundle.h"
#include "crypto/key_slot.h"
#include "storage/object_store.h"
#include "vault/problems.h"

namespace cv::vault {

// At most this many slots are read per unlock, and at most kMaxSlotsTried of the key's kind are tried;
// each costs at most what `init --kdf-cost 20` writes (crypto::kScryptMaxWork).
inline constexpr size_t kMaxSlotsRead = 256;
inline constexpr size_t kMaxSlotsTried = 16;

// The master key from the first slot `secret` opens. PermissionDenied if none does (naming the first
// slot skipped, if any); the slots skipped on the way are appended to `problems`. *slot_id (if given): the
// id of the slot that opened.
Result<crypto::MasterKey> UnlockMasterKey(storage::ObjectStore& store, const crypto::KeySecret& secret,
                                          std::vector<VaultProblem>* problems,
                                          std::string* slot_id = nullptr);

// Format v2: the key bundle from the first version-2 slot `secret` opens (slots are bound to `vault_id`).
Result<crypto::KeyBundle> UnlockKeyBundle(storage::ObjectStore& store, const crypto::KeySecret& secret,
                                          const std::string& vault_id, std::vector<VaultProblem>* problems,
                                          std::string* slot_id = nullptr);

// Format v2, Key Vault: the key bundle from the first Key Vault slot `wrapper` opens. Only slots whose kid
// starts with `kid_prefix` (the configured key, "https://NAME.vault.azure.net/keys/KEY/") are tried; others
// are skipped as problems, so a slot written into the store never sends a request to another key or host.
// NotFound when there is no such slot; the wrapper's Unavailable / Unauthenticated at once (the next slot
// would fare no better); else PermissionDenied naming the first refusal.
Result<crypto::KeyBundle> UnlockKeyBundleWithKeyVault(
    storage::ObjectStore& store, crypto::KeyWrapper& wrapper, const std::string& kid_prefix,
    const std::string& vault_id, std::vector<VaultProblem>* problems, std::string* slot_id = nullptr);
// Writes a new v2 Key Vault slot wrapping `bundle` cut down to `role`, wrapped with exactly `kid`.
Result<std::string> AddKeyVaultSlot(storage::ObjectStore& store, const crypto::KeyBundle& bundle,
                                    crypto::KeyRole role, const std::string& vault_id,
                                    crypto::KeyWrapper& wrapper, const std::string& kid);
// The document of keys/<slot_id> (bounded). InvalidArgument for an id no slot can have, NotFound if absent.
Result<std::string> ReadKeySlot(storage::ObjectStore& store, const std::string& slot_id);

// Writes a new v2 slot wrapping `bundle` cut down to `role` (InvalidArgument if `bundle` holds less).
Result<std::string> AddKeySlotV2(storage::ObjectStore& store, const crypto::KeyBundle& bundle,
                                 crypto::KeyRole role, const std::string& vault_id,
                                 const crypto::KeySecret& secret, const crypto::ScryptParams& params);

// Writes a new v1 slot for `secret` under a new random id (create-only). Returns the slot id.
Result<std::string> AddKeySlot(storage::ObjectStore& store, const crypto::MasterKey& key,
                               const crypto::KeySecret& secret, const crypto::ScryptParams& params);

struct SlotListing {
  std::string key;
  Result<crypto::KeySlotInfo> info;
};
// Every object under keys/, with what its document says (or why it is not a slot).
Result<std::vector<SlotListing>> ListKeySlots(storage::ObjectStore& store);

// Lowercase hex of `bytes` random bytes: vault and slot ids. A failed RNG stops the caller, never yields
// an all-zero id.
Result<std::string> RandomHex(size_t bytes);

}  // namespace cv::vault
