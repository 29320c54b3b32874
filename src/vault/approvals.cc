#include "vault/approvals.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "core/json_int.h"
#include "core/vault_layout.h"

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {

constexpr std::string_view kLabel = "cassvault/v2/approval";
constexpr size_t kMaxReason = 1024;

std::string Message(std::string_view vault_id, std::string_view key, std::string_view body) {
  std::string m(kLabel);
  m.push_back('\0');
  m.append(vault_id);
  m.push_back('\0');
  m.append(key);
  m.push_back('\0');
  m.append(body);
  return m;
}

std::string IdOf(std::string_view key) {
  return std::string(key.substr(layout::KindInfo(ObjectKind::kApproval).prefix.size()));
}

std::string KeyOf(std::string_view id) {
  return std::string(layout::KindInfo(ObjectKind::kApproval).prefix) + std::string(id);
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

Approvals::Approvals(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems)
    : objects_(objects), keys_(keys), problems_(problems) {}

Status Approvals::CheckFormat() const {
  if (keys_.format() == 2) return Status::OK();
  return Status::NotSupported("approvals in vault " + objects_.store().Describe(),
                              "the two-person rule needs a format 2 vault");
}

Result<Approval> Approvals::Create(const approval::Operation& op, int64_t expires, const std::string& reason,
                                   ApprovalSigner& signer, int64_t now) {
  CV_RETURN_IF_ERROR(CheckFormat());
  if (expires <= now || expires - now > kMaxApprovalSeconds) {
    return Status::InvalidArgument("--expires",
                                   "must be in the future and at most 30 days away; nothing "
                                   "was written");
  }
  if (reason.size() > kMaxReason)
    return Status::InvalidArgument("--reason", "is longer than 1 KiB; nothing was written");
  std::array<uint8_t, 8> rnd{};
  CV_RETURN_IF_ERROR(crypto::RandomBytes(rnd));
  Approval a;
  a.id = layout::TimeStamp(now) + "-" + crypto::ToHex(rnd);
  a.vault_id = keys_.vault_id();
  a.operation = op.Canonical();
  a.created = now;
  a.expires = expires;
  a.guardian = GuardianId(signer.alg(), signer.public_key());
  a.reason = reason;
  a.alg = signer.alg();
  const std::string key = KeyOf(a.id);
  const std::string body = json{{"vault", a.vault_id},  {"operation", a.operation}, {"created", a.created},
                                {"expires", a.expires}, {"guardian", a.guardian},   {"reason", a.reason}}
                               .dump(-1, ' ', false, json::error_handler_t::replace);
  CV_ASSIGN_OR_RETURN(crypto::Bytes sig, signer.Sign(crypto::AsBytes(Message(a.vault_id, key, body))));
  const std::string plain =
      json{{"body", body}, {"alg", a.alg}, {"signature", crypto::Base64Encode(sig)}}.dump();
  CV_RETURN_IF_ERROR(objects_.PutSealed(ObjectKind::kApproval, key, crypto::AsBytes(plain)));
  return a;
}

Result<Approval> Approvals::ReadKey(const std::string& key, KnownSize size,
                                    const std::vector<Guardian>& guardians) {
  const std::string subject = objects_.Subject(key);
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> plain, objects_.GetSealed(ObjectKind::kApproval, key, size));
  json outer = json::parse(plain.begin(), plain.end(), nullptr, false);
  Approval a;
  std::string body, signature;
  json j;
  try {
    body = outer.at("body").get<std::string>();
    a.alg = outer.at("alg").get<std::string>();
    signature = outer.at("signature").get<std::string>();
    j = json::parse(body);
    a.vault_id = j.at("vault").get<std::string>();
    a.operation = j.at("operation").get<std::string>();
    a.created = json_int::At(j, "created");
    a.expires = json_int::At(j, "expires");
    a.guardian = j.at("guardian").get<std::string>();
    a.reason = j.at("reason").get<std::string>();
  } catch (const std::exception&) {  // json::exception, or json_int's invalid_argument
    return Status::Corruption(subject, "is not an approval (a field is missing or of the wrong type)");
  }
  a.id = IdOf(key);
  auto g =
      std::find_if(guardians.begin(), guardians.end(), [&](const Guardian& x) { return x.id == a.guardian; });
  if (g == guardians.end() || g->alg != a.alg)
    return Status::Corruption(subject, "is signed by guardian " + a.guardian + ", who is not registered");
  auto sig = crypto::Base64Decode(signature);
  if (!sig.ok() ||
      !VerifyGuardianSignature(*g, crypto::AsBytes(Message(keys_.vault_id(), key, body)), *sig).ok()) {
    return Status::Corruption(subject, "is not signed by guardian " + g->id + " (" + g->name +
                                           ") over exactly this approval (forged, or copied); ignored");
  }
  if (a.vault_id != keys_.vault_id())
    return Status::Corruption(subject, "approves for another vault; ignored");
  return a;
}

Result<Approval> Approvals::Read(const std::string& id, const std::vector<Guardian>& guardians) {
  CV_RETURN_IF_ERROR(CheckFormat());
  const std::string key = KeyOf(id);
  if (!layout::IsNameOf(ObjectKind::kApproval, key))
    return Status::InvalidArgument("approval " + id, "is not an approval id (<yyyymmddThhmmssZ>-<16 hex>)");
  return ReadKey(key, std::nullopt, guardians);
}

Result<std::vector<Approval>> Approvals::Valid(const std::vector<Guardian>& guardians) {
  CV_RETURN_IF_ERROR(CheckFormat());
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kApproval, &listed));
  std::vector<Approval> out;
  for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
    auto a = ReadKey(it->key, it->size, guardians);
    if (a.ok()) {
      out.push_back(std::move(a).value());
    } else if (IsObjectProblem(a.status())) {
      problems_.Add(it->key, "approval skipped: " + a.status().message());
    } else {
      return a.status();
    }
  }
  return out;
}

Status Approvals::Check(const std::string& id, const approval::Operation& op,
                        const std::vector<Guardian>& guardians, int64_t at) {
  CV_ASSIGN_OR_RETURN(Approval a, Read(id, guardians));
  if (a.operation != op.Canonical()) {
    return Status::FailedPrecondition("approval " + id,
                                      "approves '" + a.operation + "', not '" + op.Canonical() + "'");
  }
  if (at > a.expires)
    return Status::FailedPrecondition("approval " + id, "expired at " + layout::FormatTime(a.expires));
  if (at + kApprovalClockSkew < a.created)
    return Status::FailedPrecondition("approval " + id, "was created after it was used");
  return Status::OK();
}

Status Approvals::CheckMark(const marks::Entry& e, const std::vector<Guardian>& guardians) {
  CV_ASSIGN_OR_RETURN(Approval a, Read(e.approval, guardians));
  const std::string subject = "approval " + e.approval;
  CV_ASSIGN_OR_RETURN(approval::Operation op, approval::ParseOperation(a.operation));
  if (e.at > a.expires || e.at + kApprovalClockSkew < a.created)
    return Status::FailedPrecondition(subject, "was not valid when the mark was written");
  const std::string target_key =
      e.policy.empty() ? (e.op == marks::Op::kForget ? "backups" : "backup") : "policy";
  const std::string target = e.policy.empty() ? e.backup_id : e.policy;
  bool covers = Contains(approval::ListParam(op, target_key), target);
  if (e.op == marks::Op::kForget) {
    covers = covers && op.op == "purge.early";
  } else if (e.until == 0) {
    covers = covers && op.op == "lock.remove";
  } else {
    auto until = op.params.find("until");
    covers = covers && op.op == "lock.shorten" && until != op.params.end() &&
             until->second == layout::FormatTime(e.until);
  }
  if (!covers) {
    return Status::FailedPrecondition(subject, "approves '" + a.operation + "', not this " +
                                                   std::string(marks::OpName(e.op)) + " of " + target);
  }
  return Status::OK();
}

}  // namespace cv::vault
