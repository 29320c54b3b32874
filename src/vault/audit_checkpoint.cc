#include "vault/audit_checkpoint.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_int.h"
#include "vault/key_slots.h"
#include "vault/signed_object.h"

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Status ListAuditCheckpoints(ObjectTable& objects, std::vector<storage::ObjectInfo>* out,
                            std::vector<std::string>* strays) {
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects.List(ObjectKind::kAuditCheckpoint, &listed));
  for (auto& o : listed) {
    if (layout::IsNameOf(ObjectKind::kAuditCheckpoint, o.key)) {
      out->push_back(std::move(o));
    } else if (strays) {
      strays->push_back(o.key);
    }
  }
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return Status::OK();
}

Result<AuditCheckpoint> ReadAuditCheckpoint(ObjectTable& objects, std::string_view key, KnownSize size) {
  const std::string subject = objects.Subject(key);
  std::vector<uint8_t> stored;
  CV_RETURN_IF_ERROR(objects.Read(ObjectKind::kAuditCheckpoint, key, size, &stored));
  // The signature is checked on the bytes just hashed: GetSigned with their size reads the same object.
  CV_ASSIGN_OR_RETURN(std::string payload,
                      GetSigned(objects, ObjectKind::kAuditCheckpoint, key, stored.size()));
  AuditCheckpoint c;
  c.key = std::string(key);
  c.hash = AuditHash(stored);
  json j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption(subject, "is not an audit checkpoint");
  try {
    c.written_at = json_int::At(j, "written_at");
    c.by = j.value("by", "");
    if (j.contains("prev") && j["prev"].is_object()) {
      c.prev_key = j["prev"].at("key").get<std::string>();
      c.prev_hash = j["prev"].at("hash").get<std::string>();
    }
    for (const auto& [w, h] : j.at("heads").items()) {
      AuditHead head{static_cast<uint64_t>(std::max<int64_t>(0, json_int::At(h, "seq"))),
                     h.at("hash").get<std::string>()};
      if (!layout::IsValidNodeId(w) || head.seq == 0 || !IsHex64(head.hash))
        return Status::Corruption(subject, "names a malformed head for writer " + w);
      c.heads[w] = head;
    }
  } catch (const std::exception&) {  // json::exception, or json_int's invalid_argument
    return Status::Corruption(subject,
                              "is not an audit checkpoint (a field is missing or of the wrong type)");
  }
  return c;
}

Result<std::map<std::string, AuditHead>> CurrentAuditHeads(ObjectTable& objects) {
  std::map<std::string, std::vector<storage::ObjectInfo>> by_writer;
  CV_RETURN_IF_ERROR(AuditLog::ListAll(objects, &by_writer, nullptr));
  std::map<std::string, AuditHead> heads;
  for (const auto& [w, records] : by_writer) {
    if (records.empty()) continue;
    const storage::ObjectInfo& last = records.back();
    CV_ASSIGN_OR_RETURN(std::vector<uint8_t> stored, AuditLog::ReadStored(objects, last.key, last.size));
    heads[w] = AuditHead{layout::ParseAuditRecordKey(last.key)->seq, AuditHash(stored)};
  }
  return heads;
}

Result<AuditCheckpoint> WriteAuditCheckpoint(ObjectTable& objects,
                                             const std::map<std::string, AuditHead>& heads,
                                             const std::string& by, int64_t now) {
  const crypto::KeyBundle* bundle = objects.keys().bundle();
  if (bundle == nullptr)
    return Status::NotSupported("audit checkpoint", "a format 1 vault keeps no audit trail");
  if (!bundle->AdminSigner().ok()) {
    return Status::PermissionDenied(
        "audit checkpoint", "needs an admin key of vault " + objects.store().Describe() +
                                "; it was opened with a " + std::string(crypto::KeyRoleName(bundle->role())) +
                                " key. Nothing was written");
  }
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(ListAuditCheckpoints(objects, &listed, nullptr));
  json prev = nullptr;
  if (!listed.empty()) {
    // Chained to the newest checkpoint as stored, whether or not it verifies: verification names a broken
    // one.
    std::vector<uint8_t> stored;
    CV_RETURN_IF_ERROR(
        objects.Read(ObjectKind::kAuditCheckpoint, listed.back().key, listed.back().size, &stored));
    prev = {{"key", listed.back().key}, {"hash", AuditHash(stored)}};
  }
  json h = json::object();
  for (const auto& [w, head] : heads) h[w] = {{"seq", head.seq}, {"hash", head.hash}};
  json payload = {{"v", 1}, {"written_at", now}, {"by", by}, {"prev", prev}, {"heads", h}};
  CV_ASSIGN_OR_RETURN(std::string rnd, RandomHex(8));
  std::string key = layout::AuditCheckpointKey(now, rnd);
  // A checkpoint written in the same second as the newest sorts by its random part: keep the order.
  if (!listed.empty() && key <= listed.back().key) key = layout::AuditCheckpointKey(now + 1, rnd);
  const std::string text = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  CV_RETURN_IF_ERROR(PutSigned(objects, ObjectKind::kAuditCheckpoint, key, text, "audit checkpoint"));
  return ReadAuditCheckpoint(objects, key);
}

}  // namespace cv::vault
