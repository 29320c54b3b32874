#include "vault/key_slots.h"

#include <algorithm>

#include "core/vault_layout.h"
#include "vault/object_table.h"

namespace cv::vault {

using layout::ObjectKind;

Result<std::string> RandomHex(size_t bytes) {
  std::vector<uint8_t> b(bytes);
  CV_RETURN_IF_ERROR(crypto::RandomBytes(b));
  return crypto::ToHex(b);
}

namespace {

struct Candidate {
  std::string key;
  std::string doc;
  uint64_t work = 0;
};

// The slots of `kind` and the vault's format version, cheapest first, at most kMaxSlotsTried. Key Vault
// slots only when their kid starts with `kid_prefix`. *kind_seen: whether any slot of the kind exists (for
// the message when none opens).
Result<std::vector<Candidate>> Candidates(storage::ObjectStore& store, crypto::KeySlotKind kind, int version,
                                          std::vector<VaultProblem>* problems, bool* kind_seen,
                                          const std::string& kid_prefix = "") {
  std::vector<storage::ObjectInfo> slots;
  CV_RETURN_IF_ERROR(ListKind(store, ObjectKind::kKeySlot, &slots));
  if (slots.size() > kMaxSlotsRead) {
    problems->push_back({std::string(layout::kKeysPrefix), "holds " + std::to_string(slots.size()) +
                                                               " objects; only the first " +
                                                               std::to_string(kMaxSlotsRead) + " were read"});
    slots.resize(kMaxSlotsRead);
  }
  std::vector<Candidate> candidates;
  *kind_seen = false;
  for (const auto& s : slots) {
    if (!layout::ParseKeySlotKey(s.key)) {
      problems->push_back({s.key, "is not a key slot name; skipped"});
      continue;
    }
    std::vector<uint8_t> doc;
    Status gs = ReadBounded(store, ObjectKind::kKeySlot, s.key, s.size, &doc);
    if (!gs.ok()) {
      if (!IsObjectProblem(gs)) return gs;
      problems->push_back({s.key, gs.message()});
      continue;
    }
    std::string text(doc.begin(), doc.end());
    auto info = crypto::InspectKeySlot(text);
    if (!info.ok()) {
      // A kind or version a later cassvault writes is not damage: skipped quietly.
      if (info.status().code() != StatusCode::kNotSupported)
        problems->push_back({s.key, info.status().ToString()});
      continue;
    }
    if (info->kind != kind) continue;
    if (kind == crypto::KeySlotKind::kKeyVault && info->kid.compare(0, kid_prefix.size(), kid_prefix) != 0) {
      // Written by whoever can write the store: a slot naming another key is never sent to it.
      problems->push_back(
          {s.key, "names the key " + info->kid + ", not the configured " + kid_prefix + "...; skipped"});
      continue;
    }
    if (info->version != version) {
      problems->push_back({s.key, "is a format v" + std::to_string(info->version) + " slot in a v" +
                                      std::to_string(version) + " vault; skipped"});
      continue;
    }
    *kind_seen = true;
    candidates.push_back({s.key, std::move(text), info->work});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.work < b.work; });
  if (candidates.size() > kMaxSlotsTried) {
    problems->push_back({std::string(layout::kKeysPrefix),
                         "holds " + std::to_string(candidates.size()) + " slots of this kind; only the " +
                             std::to_string(kMaxSlotsTried) + " cheapest were tried"});
    candidates.resize(kMaxSlotsTried);
  }
  return candidates;
}

Status NoSlotOpens(storage::ObjectStore& store, const crypto::KeySecret& secret, bool kind_seen,
                   const std::vector<VaultProblem>& problems) {
  if (!kind_seen) {
    return Status::PermissionDenied(
        "vault " + store.Describe(),
        std::string("has no ") +
            (secret.kind == crypto::KeySlotKind::kPassphrase ? "passphrase" : "key-file") +
            " slot; unlock it with the kind of key it was created with");
  }
  std::string skipped;
  if (!problems.empty()) {
    skipped = " (" + std::to_string(problems.size()) +
              " objects under keys/ were skipped as not valid slots, " + "first " + problems.front().object +
              ": " + problems.front().problem + ")";
  }
  return Status::PermissionDenied(
      "vault " + store.Describe(),
      "the passphrase or key file does not open this vault; nothing was changed" + skipped);
}

// Tries each candidate with `unwrap`; the first that opens wins.
template <class Key, class Unwrap>
Result<Key> TryCandidates(storage::ObjectStore& store, const crypto::KeySecret& secret, int version,
                          std::vector<VaultProblem>* problems, std::string* slot_id, Unwrap unwrap) {
  bool kind_seen = false;
  CV_ASSIGN_OR_RETURN(std::vector<Candidate> candidates,
                      Candidates(store, secret.kind, version, problems, &kind_seen));
  for (const auto& c : candidates) {
    Result<Key> key = unwrap(c.doc);
    if (key.ok()) {
      if (slot_id) *slot_id = layout::ParseKeySlotKey(c.key).value_or("");
      return key;
    }
    if (key.status().IsCorruption() || key.status().code() == StatusCode::kNotSupported)
      problems->push_back({c.key, key.status().ToString()});
  }
  return NoSlotOpens(store, secret, kind_seen, *problems);
}

}  // namespace

Result<crypto::MasterKey> UnlockMasterKey(storage::ObjectStore& store, const crypto::KeySecret& secret,
                                          std::vector<VaultProblem>* problems, std::string* slot_id) {
  return TryCandidates<crypto::MasterKey>(store, secret, 1, problems, slot_id, [&](const std::string& doc) {
    return crypto::UnwrapMasterKey(doc, secret);
  });
}

Result<crypto::KeyBundle> UnlockKeyBundle(storage::ObjectStore& store, const crypto::KeySecret& secret,
                                          const std::string& vault_id, std::vector<VaultProblem>* problems,
                                          std::string* slot_id) {
  return TryCandidates<crypto::KeyBundle>(store, secret, 2, problems, slot_id, [&](const std::string& doc) {
    return crypto::UnwrapKeyBundle(doc, secret, vault_id);
  });
}

Result<std::string> AddKeySlot(storage::ObjectStore& store, const crypto::MasterKey& key,
                               const crypto::KeySecret& secret, const crypto::ScryptParams& params) {
  CV_ASSIGN_OR_RETURN(std::string slot_id, RandomHex(8));
  CV_ASSIGN_OR_RETURN(std::string slot, crypto::WrapMasterKey(key, secret, slot_id, params));
  CV_RETURN_IF_ERROR(store.Put(layout::KeySlotKey(slot_id), crypto::AsBytes(slot)));
  return slot_id;
}

Result<std::string> AddKeySlotV2(storage::ObjectStore& store, const crypto::KeyBundle& bundle,
                                 crypto::KeyRole role, const std::string& vault_id,
                                 const crypto::KeySecret& secret, const crypto::ScryptParams& params) {
  CV_ASSIGN_OR_RETURN(crypto::KeyBundle cut, bundle.ForRole(role));
  CV_ASSIGN_OR_RETURN(std::string slot_id, RandomHex(8));
  CV_ASSIGN_OR_RETURN(std::string slot, crypto::WrapKeyBundle(cut, secret, slot_id, vault_id, params));
  CV_RETURN_IF_ERROR(store.Put(layout::KeySlotKey(slot_id), crypto::AsBytes(slot)));
  return slot_id;
}

Result<crypto::KeyBundle> UnlockKeyBundleWithKeyVault(
    storage::ObjectStore& store, crypto::KeyWrapper& wrapper, const std::string& kid_prefix,
    const std::string& vault_id, std::vector<VaultProblem>* problems, std::string* slot_id) {
  bool kind_seen = false;
  CV_ASSIGN_OR_RETURN(std::vector<Candidate> candidates,
                      Candidates(store, crypto::KeySlotKind::kKeyVault, 2, problems, &kind_seen, kid_prefix));
  if (candidates.empty()) {
    return Status::NotFound("vault " + store.Describe(),
                            "has no Azure Key Vault slot for " + wrapper.Name() +
                                " (add one with `cassvault key add --key-vault`)");
  }
  Status first_refusal;
  for (const auto& c : candidates) {
    Result<crypto::KeyBundle> bundle = crypto::UnwrapKeyBundleWithKeyVault(c.doc, wrapper, vault_id);
    if (bundle.ok()) {
      if (slot_id) *slot_id = layout::ParseKeySlotKey(c.key).value_or("");
      return bundle;
    }
    const Status& st = bundle.status();
    // Unreachable or throttled past the retries: the next slot would fare no better.
    if (st.code() == StatusCode::kUnavailable || st.code() == StatusCode::kDeadlineExceeded ||
        st.code() == StatusCode::kResourceExhausted || st.code() == StatusCode::kUnauthenticated)
      return st;
    if (st.IsCorruption() || st.code() == StatusCode::kNotSupported)
      problems->push_back({c.key, st.ToString()});
    if (first_refusal.ok()) first_refusal = st;
  }
  return Status::PermissionDenied(
      "vault " + store.Describe(),
      "no Azure Key Vault slot opens with " + wrapper.Name() + " (first: " + first_refusal.ToString() + ")");
}

Result<std::string> AddKeyVaultSlot(storage::ObjectStore& store, const crypto::KeyBundle& bundle,
                                    crypto::KeyRole role, const std::string& vault_id,
                                    crypto::KeyWrapper& wrapper, const std::string& kid) {
  CV_ASSIGN_OR_RETURN(crypto::KeyBundle cut, bundle.ForRole(role));
  CV_ASSIGN_OR_RETURN(std::string slot_id, RandomHex(8));
  CV_ASSIGN_OR_RETURN(std::string slot,
                      crypto::WrapKeyBundleWithKeyVault(cut, wrapper, kid, slot_id, vault_id));
  CV_RETURN_IF_ERROR(store.Put(layout::KeySlotKey(slot_id), crypto::AsBytes(slot)));
  return slot_id;
}

Result<std::string> ReadKeySlot(storage::ObjectStore& store, const std::string& slot_id) {
  if (!layout::ParseKeySlotKey(layout::KeySlotKey(slot_id)))
    return Status::InvalidArgument("key slot '" + slot_id + "'",
                                   "is not a key slot id (see `cassvault key list`)");
  const std::string key = layout::KeySlotKey(slot_id);
  auto info = store.Stat(key);
  if (info.status().IsNotFound())
    return Status::NotFound("key slot " + slot_id, "is not in the vault (see `cassvault key list`)");
  CV_RETURN_IF_ERROR(info.status());
  std::vector<uint8_t> doc;
  CV_RETURN_IF_ERROR(ReadBounded(store, ObjectKind::kKeySlot, key, info->size, &doc));
  return std::string(doc.begin(), doc.end());
}

Result<std::vector<SlotListing>> ListKeySlots(storage::ObjectStore& store) {
  std::vector<storage::ObjectInfo> slots;
  CV_RETURN_IF_ERROR(ListKind(store, ObjectKind::kKeySlot, &slots));
  std::vector<SlotListing> out;
  for (const auto& s : slots) {
    if (!layout::ParseKeySlotKey(s.key)) {
      out.push_back({s.key, Status::Corruption(s.key, "is not a key slot name")});
      continue;
    }
    std::vector<uint8_t> doc;
    Status gs = ReadBounded(store, ObjectKind::kKeySlot, s.key, s.size, &doc);
    if (!gs.ok()) {
      if (!IsObjectProblem(gs)) return gs;
      out.push_back({s.key, gs});
      continue;
    }
    out.push_back({s.key, crypto::InspectKeySlot(std::string(doc.begin(), doc.end()))});
  }
  return out;
}

}  // namespace cv::vault
