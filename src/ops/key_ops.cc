#include "ops/key_ops.h"

#include <algorithm>
#include <ctime>

#include "core/vault_layout.h"
#include "ops/approvals.h"
#include "ops/audit_trail.h"
#include "vault/crash_point.h"
#include "vault/key_slots.h"

namespace cv::ops {
namespace {

using crypto::KeyRole;

bool SameBytes(const crypto::SecretBytes& a, const crypto::SecretBytes& b) {
  return a.size() == b.size() && std::equal(a.data(), a.data() + a.size(), b.data());
}

// Key-slot changes are admin-only in format 2 (a writer or reader key may not take keys away from others);
// format 1 has one key that does everything.
Status RequireAdmin(const vault::Vault& v, const std::string& what) {
  const crypto::KeyBundle* b = v.keys().bundle();
  if (b == nullptr || b->role() == KeyRole::kAdmin) return Status::OK();
  return Status::PermissionDenied(what, "needs an admin key; this vault was opened with a " +
                                            std::string(crypto::KeyRoleName(b->role())) +
                                            " key. Nothing was changed");
}

// For audit records: a format 1 vault's one key does everything.
std::string RoleName(const vault::Vault& v, KeyRole r) {
  return v.keys().bundle() == nullptr ? "all" : std::string(crypto::KeyRoleName(r));
}

nlohmann::json NewSlotDetails(const Result<std::string>& slot) { return {{"new_slot", *slot}}; }
nlohmann::json RotatedDetails(const Result<RotateResult>& r) { return {{"new_slot", r->new_slot}}; }

KeyRole DefaultRole(const vault::Vault& v) {
  const crypto::KeyBundle* b = v.keys().bundle();
  return b ? b->role() : KeyRole::kAdmin;
}

// The slot's document and what it says; InvalidArgument when it is not a valid slot.
struct SlotDoc {
  std::string doc;
  crypto::KeySlotInfo info;
};
Result<SlotDoc> LoadSlot(vault::Vault& v, const std::string& slot_id) {
  SlotDoc s;
  CV_ASSIGN_OR_RETURN(s.doc, vault::ReadKeySlot(v.store(), slot_id));
  Result<crypto::KeySlotInfo> info = crypto::InspectKeySlot(s.doc);
  if (!info.ok()) return info.status();
  s.info = std::move(*info);
  if (s.info.id != slot_id)
    return Status::Corruption("key slot " + slot_id,
                              "names itself " + s.info.id + " inside: not a slot of this name");
  return s;
}

// Removing `slot_id` must leave a slot that opens the vault, one that reads backups, and one that is admin.
Status CheckRemovable(vault::Vault& v, const std::string& slot_id) {
  CV_ASSIGN_OR_RETURN(std::vector<vault::SlotListing> slots, v.ListKeySlots());
  size_t opens = 0, readers = 0, admins = 0;
  for (const auto& s : slots) {
    if (!s.info.ok() || s.info->id == slot_id || s.key != layout::KeySlotKey(s.info->id)) continue;
    if (s.info->version != v.format()) continue;
    ++opens;
    if (v.format() == 1 || s.info->role != KeyRole::kWriter) ++readers;
    if (v.format() == 1 || s.info->role == KeyRole::kAdmin) ++admins;
  }
  const std::string subject = "key remove " + slot_id;
  const std::string add =
      "`cassvault key add --new-key-file PATH` (or --new-passphrase-env VAR, or --key-vault)";
  if (opens == 0) {
    return Status::FailedPrecondition(
        subject, "it is the last key slot that opens vault " + v.store().Describe() +
                     ": removing it would lose the vault. Add another slot first: " + add +
                     ". Nothing was changed");
  }
  if (readers == 0) {
    return Status::FailedPrecondition(
        subject,
        "it is the last slot holding a reader key (role reader or admin): without it no backup could be "
        "restored. Add one first: " +
            add + " with --role reader. Nothing was changed");
  }
  if (admins == 0) {
    return Status::FailedPrecondition(
        subject,
        "it is the last admin slot: without it no key slot, policy or vault setting could be changed "
        "again. Add one first: " +
            add + " with --role admin. Nothing was changed");
  }
  return Status::OK();
}

// Reads the new slot back from the store and opens it with `secret`: it must hold exactly the keys given.
Status ProveSecretSlot(vault::Vault& v, const std::string& slot_id, const crypto::KeySecret& secret,
                       KeyRole role) {
  CV_ASSIGN_OR_RETURN(std::string doc, vault::ReadKeySlot(v.store(), slot_id));
  if (const crypto::MasterKey* m = v.keys().master()) {
    CV_ASSIGN_OR_RETURN(crypto::MasterKey back, crypto::UnwrapMasterKey(doc, secret));
    if (!SameBytes(back.raw(), m->raw()))
      return Status::Internal("key slot " + slot_id, "opened to another key");
    return Status::OK();
  }
  CV_ASSIGN_OR_RETURN(crypto::KeyBundle back, crypto::UnwrapKeyBundle(doc, secret, v.vault_id()));
  CV_ASSIGN_OR_RETURN(crypto::KeyBundle want, v.keys().bundle()->ForRole(role));
  if (!SameBytes(back.Serialize(), want.Serialize()))
    return Status::Internal("key slot " + slot_id, "opened to other keys than it was given");
  return Status::OK();
}

}  // namespace

Result<std::vector<KeySlotRow>> ListSlots(vault::Vault& v) {
  CV_ASSIGN_OR_RETURN(std::vector<vault::SlotListing> slots, v.ListKeySlots());
  std::vector<KeySlotRow> rows;
  for (const auto& s : slots) {
    KeySlotRow r;
    r.object = s.key;
    r.id = layout::ParseKeySlotKey(s.key).value_or("");
    if (!s.info.ok()) {
      r.problem = s.info.status().ToString();
    } else {
      r.kind = std::string(crypto::KeySlotKindName(s.info->kind));
      r.format = s.info->version;
      if (s.info->version >= 2) r.role = std::string(crypto::KeyRoleName(s.info->role));
      r.kid = s.info->kid;
      r.alg = s.info->alg;
      r.scrypt = s.info->scrypt;
      r.opened = !r.id.empty() && r.id == v.opened_slot();
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

Result<std::string> AddSecretSlot(vault::Vault& v, const crypto::KeySecret& secret,
                                  const crypto::ScryptParams& params, std::optional<KeyRole> role) {
  if (v.keys().bundle() == nullptr && role) {
    return Status::InvalidArgument(
        "--role", "a format 1 vault has one key that does everything: its slots have no role");
  }
  const KeyRole r = role.value_or(DefaultRole(v));
  return AuditedChange(
      v, {"key.add", {}, {{"kind", "secret"}, {"role", RoleName(v, r)}}, ""},
      [&] { return v.AddKeySlot(secret, params, r); }, NewSlotDetails);
}

Result<std::string> AddKeyVaultSlot(vault::Vault& v, crypto::KeyWrapper& wrapper,
                                    std::optional<KeyRole> role) {
  const KeyRole r = role.value_or(DefaultRole(v));
  return AuditedChange(
      v, {"key.add", {}, {{"kind", "azure-key-vault"}, {"role", RoleName(v, r)}}, ""},
      [&] { return v.AddKeyVaultSlot(wrapper, r); }, NewSlotDetails);
}

Status RemoveSlot(vault::Vault& v, const std::string& slot_id, std::optional<int64_t> now) {
  CV_RETURN_IF_ERROR(RequireAdmin(v, "key remove " + slot_id));
  // Audited from here: an admin's refused removal is worth a record too.
  std::string approval_id;
  auto remove = [&]() -> Status {
    // Exists (NotFound names the slot otherwise); a damaged or foreign object under keys/ may be removed too.
    CV_RETURN_IF_ERROR(vault::ReadKeySlot(v.store(), slot_id).status());
    CV_RETURN_IF_ERROR(CheckRemovable(v, slot_id));
    // The two-person rule (opt-in: no guardian, no approval needed).
    CV_ASSIGN_OR_RETURN(approval_id,
                        RequireApproval(v, approval::KeyRemove(slot_id), now.value_or(std::time(nullptr))));
    return v.DeleteKeySlot(slot_id);
  };
  return AuditedChange(v, {"key.remove", {slot_id}, {}, ""}, remove, [&](const Status&) {
    nlohmann::json j = nlohmann::json::object();
    if (!approval_id.empty()) j["approval"] = approval_id;
    return j;
  });
}

Result<RotateResult> RotateKeyVaultSlot(vault::Vault& v, crypto::KeyWrapper& wrapper,
                                        const std::string& slot_id) {
  const std::string subject = "key rotate --slot " + slot_id;
  CV_RETURN_IF_ERROR(RequireAdmin(v, subject));
  CV_ASSIGN_OR_RETURN(SlotDoc old, LoadSlot(v, slot_id));
  if (old.info.kind != crypto::KeySlotKind::kKeyVault) {
    return Status::InvalidArgument(subject, "is a " + std::string(crypto::KeySlotKindName(old.info.kind)) +
                                                " slot: give its new secret with --new-key-file PATH or "
                                                "--new-passphrase-env VAR");
  }
  Result<std::string> newest = wrapper.CurrentKid();
  if (!newest.ok()) return newest.status().Annotate(subject);
  RotateResult r{slot_id, slot_id, old.info.kid, *newest, false};
  if (*newest == old.info.kid) {
    r.unchanged = true;
    return r;
  }
  // The new slot first, proven to open through Key Vault (AddKeyVaultSlot), then the old one goes: a kill
  // in between leaves both, each opening the vault.
  AuditEvent e{"key.rotate", {slot_id, old.info.kid, *newest}, {{"kind", "azure-key-vault"}}, ""};
  return AuditedChange(
      v, e,
      [&]() -> Result<RotateResult> {
        CV_ASSIGN_OR_RETURN(r.new_slot, v.AddKeyVaultSlot(wrapper, old.info.role));
        vault::CrashPoint("key-rotate-added");  // tests: killed here, both slots remain and each opens
        CV_RETURN_IF_ERROR(v.DeleteKeySlot(slot_id).Annotate(
            subject + ": new slot " + r.new_slot + " was added and opens; deleting the old slot failed"));
        return r;
      },
      RotatedDetails);
}

Result<RotateResult> RotateSecretSlot(vault::Vault& v, const std::string& slot_id,
                                      const crypto::KeySecret& new_secret,
                                      const crypto::ScryptParams& params) {
  const std::string subject = "key rotate --slot " + slot_id;
  CV_RETURN_IF_ERROR(RequireAdmin(v, subject));
  CV_ASSIGN_OR_RETURN(SlotDoc old, LoadSlot(v, slot_id));
  if (old.info.kind == crypto::KeySlotKind::kKeyVault) {
    return Status::InvalidArgument(subject,
                                   "is an Azure Key Vault slot: rotate it without a new secret (it is "
                                   "wrapped again with the key's newest version)");
  }
  if (old.info.version != v.format()) {
    return Status::FailedPrecondition(subject, "is a format v" + std::to_string(old.info.version) +
                                                   " slot in a v" + std::to_string(v.format()) + " vault");
  }
  return AuditedChange(
      v, {"key.rotate", {slot_id}, {{"kind", "secret"}}, ""},
      [&]() -> Result<RotateResult> {
        CV_ASSIGN_OR_RETURN(std::string new_slot, v.AddKeySlot(new_secret, params, old.info.role));
        if (Status proof = ProveSecretSlot(v, new_slot, new_secret, old.info.role); !proof.ok()) {
          (void)v.DeleteKeySlot(new_slot);  // best effort: a slot that does not open helps nobody
          return proof.Annotate(subject + ": the new slot did not open and was removed again");
        }
        vault::CrashPoint("key-rotate-added");
        CV_RETURN_IF_ERROR(v.DeleteKeySlot(slot_id).Annotate(
            subject + ": new slot " + new_slot + " was added and opens; deleting the old slot failed"));
        return RotateResult{slot_id, new_slot, "", "", false};
      },
      RotatedDetails);
}

}  // namespace cv::ops
