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

Result<crypto::MasterKey> UnlockMasterKey(storage::ObjectStore& store, const crypto::KeySecret& secret,
                                          std::vector<VaultProblem>* problems) {
  std::vector<storage::ObjectInfo> slots;
  CV_RETURN_IF_ERROR(ListKind(store, ObjectKind::kKeySlot, &slots));
  if (slots.size() > kMaxSlotsRead) {
    problems->push_back({std::string(layout::kKeysPrefix), "holds " + std::to_string(slots.size()) +
                                                               " objects; only the first " +
                                                               std::to_string(kMaxSlotsRead) + " were read"});
    slots.resize(kMaxSlotsRead);
  }
  struct Candidate {
    std::string key;
    std::string doc;
    uint64_t work = 0;
  };
  std::vector<Candidate> candidates;
  bool kind_seen = false;
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
    if (info->kind != secret.kind) continue;
    kind_seen = true;
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
  for (const auto& c : candidates) {
    auto key = crypto::UnwrapMasterKey(c.doc, secret);
    if (key.ok()) return key;
    if (key.status().IsCorruption() || key.status().code() == StatusCode::kNotSupported)
      problems->push_back({c.key, key.status().ToString()});
  }
  if (!kind_seen) {
    return Status::PermissionDenied(
        "vault " + store.Describe(),
        std::string("has no ") +
            (secret.kind == crypto::KeySlotKind::kPassphrase ? "passphrase" : "key-file") +
            " slot; unlock it with the kind of key it was created with");
  }
  std::string skipped;
  if (!problems->empty()) {
    skipped = " (" + std::to_string(problems->size()) +
              " objects under keys/ were skipped as not valid slots, " + "first " + problems->front().object +
              ": " + problems->front().problem + ")";
  }
  return Status::PermissionDenied(
      "vault " + store.Describe(),
      "the passphrase or key file does not open this vault; nothing was changed" + skipped);
}

Result<std::string> AddKeySlot(storage::ObjectStore& store, const crypto::MasterKey& key,
                               const crypto::KeySecret& secret, const crypto::ScryptParams& params) {
  CV_ASSIGN_OR_RETURN(std::string slot_id, RandomHex(8));
  CV_ASSIGN_OR_RETURN(std::string slot, crypto::WrapMasterKey(key, secret, slot_id, params));
  CV_RETURN_IF_ERROR(store.Put(layout::KeySlotKey(slot_id), crypto::AsBytes(slot)));
  return slot_id;
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
