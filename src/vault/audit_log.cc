#include "vault/audit_log.h"

#include <algorithm>

#include "core/json_int.h"
#include "crypto/crypto.h"

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {

constexpr std::string_view kWriterKeyLabel = "cassvault/v2 audit writer";
// What a v2 seal adds (scheme, salt, tag), with room to spare.
constexpr size_t kSealRoom = 64;
// A chain that moved this far past the head we knew while we were appending is not a race on one host:
// stop rather than loop.
constexpr int kMaxRaceSteps = 100'000;

Status CheckFormat(ObjectTable& objects) {
  if (objects.keys().format() == 2 && objects.keys().bundle() != nullptr) return Status::OK();
  return Status::NotSupported(
      "audit trail of vault " + objects.store().Describe(),
      "a format 1 vault keeps no audit trail; `cassvault init` makes format 2 vaults");
}

}  // namespace

std::string AuditHash(std::span<const uint8_t> stored) {
  crypto::Hash32 h = crypto::Sha256(crypto::ByteView(stored.data(), stored.size()));
  return crypto::ToHex(crypto::ByteView(h.data(), h.size()));
}

Result<std::string> AuditWriterId(const VaultKeys& keys, std::string_view host_key, std::string_view role) {
  if (keys.format() != 2 || keys.bundle() == nullptr)
    return Status::NotSupported("audit writer", "a format 1 vault keeps no audit trail");
  CV_ASSIGN_OR_RETURN(crypto::SecretBytes key,
                      crypto::Hkdf(keys.bundle()->metadata_root(), {}, kWriterKeyLabel, 32));
  crypto::HmacSha256 mac(key.view());
  std::string message(host_key);
  message.push_back('\0');
  message.append(role);
  crypto::Hash32 h = mac.Compute(crypto::AsBytes(message));
  return crypto::ToHex(crypto::ByteView(h.data(), 8));
}

AuditLog::AuditLog(ObjectTable& objects, std::string writer_id)
    : objects_(objects), writer_(std::move(writer_id)) {}

Result<bool> AuditLog::Exists(uint64_t seq) {
  auto st = objects_.store().Stat(layout::AuditRecordKey(writer_, seq));
  if (st.ok()) return true;
  if (st.status().IsNotFound()) return false;
  return st.status();
}

Result<std::vector<uint8_t>> AuditLog::ReadStored(ObjectTable& objects, std::string_view key,
                                                  KnownSize size) {
  std::vector<uint8_t> stored;
  CV_RETURN_IF_ERROR(objects.Read(ObjectKind::kAuditRecord, key, size, &stored));
  return stored;
}

Result<AuditEntry> AuditLog::Read(ObjectTable& objects, std::string_view key, KnownSize size) {
  CV_RETURN_IF_ERROR(CheckFormat(objects));
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> stored, ReadStored(objects, key, size));
  return Open(objects, key, stored);
}

Result<AuditEntry> AuditLog::Open(ObjectTable& objects, std::string_view key,
                                  std::span<const uint8_t> stored) {
  CV_RETURN_IF_ERROR(CheckFormat(objects));
  auto name = layout::ParseAuditRecordKey(key);
  const std::string subject = objects.Subject(key);
  if (!name) return Status::InvalidArgument(subject, "is not an audit record name");
  crypto::Bytes plain;
  if (!objects.keys().Open(ObjectKind::kAuditRecord, key, stored, &plain))
    return Status::Corruption(subject,
                              "does not decrypt under its name: modified, moved or not this vault's");
  AuditEntry e;
  e.key = std::string(key);
  e.writer = name->writer_id;
  e.seq = name->seq;
  e.hash = AuditHash(stored);
  e.record = json::parse(plain.begin(), plain.end(), nullptr, false);
  if (e.record.is_discarded() || !e.record.is_object())
    return Status::Corruption(subject, "is not an audit record (not a JSON object)");
  if (json_int::IntOr(e.record, "seq", -1) != static_cast<int64_t>(e.seq) ||
      json_int::StringOr(e.record, "writer", "") != e.writer)
    return Status::Corruption(subject, "holds another record than its name says (writer or seq differ)");
  return e;
}

Result<AuditHead> AuditLog::FindHead(std::optional<AuditHead> known) {
  CV_RETURN_IF_ERROR(CheckFormat(objects_));
  uint64_t head = 0;
  if (known && known->seq > 0) {
    head = known->seq;
  } else {
    // Exponential probe, then bisect between the last seq that exists and the first that does not.
    uint64_t lo = 0, hi = 1;
    while (true) {
      CV_ASSIGN_OR_RETURN(bool there, Exists(hi));
      if (!there) break;
      lo = hi;
      if (hi > (uint64_t{1} << 50)) return Status::Corruption(objects_.Subject(writer_), "chain too long");
      hi *= 2;
    }
    while (hi - lo > 1) {
      uint64_t mid = lo + (hi - lo) / 2;
      CV_ASSIGN_OR_RETURN(bool there, Exists(mid));
      (there ? lo : hi) = mid;
    }
    head = lo;
    known.reset();
  }
  // Forward from the head we think is last: a record there means another process appended since.
  std::string hash = known ? known->hash : std::string();
  for (int step = 0; step < kMaxRaceSteps; ++step) {
    const std::string next = layout::AuditRecordKey(writer_, head + 1);
    auto stored = ReadStored(objects_, next);
    if (!stored.ok()) {
      if (!stored.status().IsNotFound()) return stored.status();
      if (head > 0 && hash.empty()) {
        CV_ASSIGN_OR_RETURN(auto last, ReadStored(objects_, layout::AuditRecordKey(writer_, head)));
        hash = AuditHash(last);
      }
      return AuditHead{head, hash};
    }
    hash = AuditHash(*stored);
    ++head;
  }
  return Status::FailedPrecondition(objects_.Subject(layout::AuditWriterPrefix(writer_)),
                                    "grew by more than " + std::to_string(kMaxRaceSteps) +
                                        " records while this process appended; not a race on one host");
}

Result<AuditEntry> AuditLog::Append(json record, std::optional<AuditHead> known) {
  CV_RETURN_IF_ERROR(CheckFormat(objects_));
  if (!record.is_object()) return Status::Internal("audit record", "is not a JSON object");
  CV_ASSIGN_OR_RETURN(AuditHead head, FindHead(std::move(known)));
  for (int step = 0; step < kMaxRaceSteps; ++step) {
    AuditEntry e;
    e.writer = writer_;
    e.seq = head.seq + 1;
    e.key = layout::AuditRecordKey(writer_, e.seq);
    record["v"] = kAuditRecordVersion;
    record["writer"] = writer_;
    record["seq"] = e.seq;
    record["prev"] = head.hash;
    const std::string text = record.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() + kSealRoom > layout::KindInfo(ObjectKind::kAuditRecord).max_size) {
      return Status::InvalidArgument("audit record", "is " + std::to_string(text.size()) +
                                                         " bytes encoded, more than an audit record can "
                                                         "hold. Nothing was written");
    }
    CV_ASSIGN_OR_RETURN(crypto::Bytes sealed,
                        objects_.keys().Seal(ObjectKind::kAuditRecord, e.key, crypto::AsBytes(text)));
    Status st = objects_.store().Put(e.key, sealed);
    if (st.ok()) {
      e.hash = AuditHash(sealed);
      e.record = std::move(record);
      return e;
    }
    if (!st.IsAlreadyExists()) return st.Annotate("audit record " + e.key);
    // Lost the race: the winner's record is the head now; append after it (and after any that followed).
    CV_ASSIGN_OR_RETURN(auto theirs, ReadStored(objects_, e.key));
    CV_ASSIGN_OR_RETURN(head, FindHead(AuditHead{e.seq, AuditHash(theirs)}));
  }
  return Status::FailedPrecondition(objects_.Subject(layout::AuditWriterPrefix(writer_)),
                                    "lost the create-only race too often; nothing was written");
}

Status AuditLog::ListAll(ObjectTable& objects,
                         std::map<std::string, std::vector<storage::ObjectInfo>>* by_writer,
                         std::vector<std::string>* strays) {
  CV_RETURN_IF_ERROR(CheckFormat(objects));
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects.List(ObjectKind::kAuditRecord, &listed));
  for (auto& o : listed) {
    auto name = layout::ParseAuditRecordKey(o.key);
    if (!name) {
      if (strays) strays->push_back(o.key);
      continue;
    }
    (*by_writer)[name->writer_id].push_back(std::move(o));
  }
  for (auto& [w, v] : *by_writer) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  }
  return Status::OK();
}

}  // namespace cv::vault
