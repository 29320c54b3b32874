// src/ops/key_ops.h — managing the vault's key slots (`cassvault key list|add|remove|rotate`): the rules
// that keep a vault openable, over the slot primitives of vault/key_slots.h.
//
// Every change adds before it deletes: a rotation writes the new slot, proves it opens (through Key Vault,
// or with the new secret), and only then deletes the old one, so a process killed at any point leaves the
// old slot, or both. A removal is refused when it would leave no slot that opens the vault, no slot that
// can read backups (reader or admin), or no admin slot (nothing could change keys or policies again).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/key_slot.h"
#include "crypto/key_wrapper.h"
#include "vault/vault.h"

namespace cv::ops {

// One object under keys/ as `key list` shows it (never a secret).
struct KeySlotRow {
  std::string object;           // keys/<id>
  std::string id;               // the slot id; "" when the name is no slot's
  std::string kind;             // "passphrase", "keyfile", "azure-key-vault"
  int format = 0;               // 1 or 2
  std::string role;             // format 2: "writer", "reader", "admin"
  std::string kid, alg;         // Key Vault slots
  crypto::ScryptParams scrypt;  // passphrase slots
  bool opened = false;          // the slot this command opened the vault with
  std::string problem;          // set when the object is not a valid slot (the rest is empty)
};
Result<std::vector<KeySlotRow>> ListSlots(vault::Vault& v);

// A slot for `secret` holding `role` (default: the role of the opened key; format 1 has no roles,
// InvalidArgument if one is given). Returns the new slot's id.
Result<std::string> AddSecretSlot(vault::Vault& v, const crypto::KeySecret& secret,
                                  const crypto::ScryptParams& params, std::optional<crypto::KeyRole> role);
// A Key Vault slot wrapped with the key's newest version, proven to open before it is returned.
// FailedPrecondition on a format 1 vault.
Result<std::string> AddKeyVaultSlot(vault::Vault& v, crypto::KeyWrapper& wrapper,
                                    std::optional<crypto::KeyRole> role);

// Deletes slot `slot_id`. Needs an admin key (format 2). FailedPrecondition, naming what to add first, when
// the slot is the last that opens the vault, the last reader-capable one, or the last admin one. With a
// guardian registered it needs an approval of "key.remove slot=<id>" (two-person rule; PermissionDenied
// naming the `cassvault approve` to run). `now` (default: the clock) checks the approval's expiry.
Status RemoveSlot(vault::Vault& v, const std::string& slot_id, std::optional<int64_t> now = std::nullopt);

struct RotateResult {
  std::string old_slot, new_slot;  // new_slot == old_slot when nothing changed
  std::string old_kid, new_kid;    // Key Vault slots
  bool unchanged = false;          // a Key Vault slot already wrapped by the newest version
};
// Key Vault slot: a new slot of the same role wrapped with the newest key version (CurrentKid), proven to
// open, then the old slot deleted. Unchanged when the slot already uses the newest version. Needs admin.
Result<RotateResult> RotateKeyVaultSlot(vault::Vault& v, crypto::KeyWrapper& wrapper,
                                        const std::string& slot_id);
// Passphrase or key file slot: a new slot of the same role for `new_secret`, proven to open with it, then
// the old slot deleted. Needs admin (format 2).
Result<RotateResult> RotateSecretSlot(vault::Vault& v, const std::string& slot_id,
                                      const crypto::KeySecret& new_secret,
                                      const crypto::ScryptParams& params);

}  // namespace cv::ops
