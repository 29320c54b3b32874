#include "vault/vault_settings.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_int.h"
#include "core/vault_layout.h"
#include "vault/approvals.h"
#include "vault/signed_object.h"

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {

// The one name under settings/: the vault's own settings (the name leaves room for others later).
constexpr std::string_view kName = "vault";
constexpr int kWriteAttempts = 5;
constexpr int64_t kMaxGrace = int64_t{365} * 86400;

std::string ToJson(const VaultSettings& s) {
  json j = {{"soft_delete", s.soft_delete},
            {"soft_delete_days", s.soft_delete_days},
            {"immutability", s.immutability},
            {"prune_grace_seconds", s.prune_grace_seconds},
            {"version", s.version},
            {"set_at", s.set_at},
            {"set_by", s.set_by}};
  // Versions without guardians stay as they were, so older releases read them unchanged.
  if (!s.guardians.empty()) {
    json g = json::array();
    for (const Guardian& x : s.guardians) {
      g.push_back({{"id", x.id},
                   {"name", x.name},
                   {"alg", x.alg},
                   {"public_key", x.public_key},
                   {"kid", x.kid},
                   {"added_at", x.added_at}});
    }
    j["guardians"] = g;
  }
  if (!s.approval.empty()) j["approval"] = s.approval;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<VaultSettings> FromJson(std::string_view text, const std::string& subject) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption(subject, "is not vault settings (not JSON)");
  VaultSettings s;
  try {
    s.soft_delete = j.at("soft_delete").get<std::string>();
    s.soft_delete_days = json_int::At(j, "soft_delete_days");
    s.immutability = j.at("immutability").get<std::string>();
    s.prune_grace_seconds = json_int::At(j, "prune_grace_seconds");
    s.version = json_int::U32Value(j, "version", 0);
    s.set_at = json_int::At(j, "set_at");
    s.set_by = j.at("set_by").get<std::string>();
    if (j.contains("guardians")) {
      for (const json& jg : j.at("guardians")) {
        Guardian g;
        g.id = jg.at("id").get<std::string>();
        g.name = jg.at("name").get<std::string>();
        g.alg = jg.at("alg").get<std::string>();
        g.public_key = jg.at("public_key").get<std::string>();
        g.kid = jg.at("kid").get<std::string>();
        g.added_at = json_int::At(jg, "added_at");
        // The id is derived, never trusted: a record whose id is not its key's would confuse approvals.
        auto raw = crypto::Base64Decode(g.public_key);
        if (!raw.ok() || GuardianId(g.alg, *raw) != g.id)
          return Status::Corruption(subject, "holds a guardian whose id is not its public key's");
        s.guardians.push_back(std::move(g));
      }
    }
    if (j.contains("approval")) s.approval = j.at("approval").get<std::string>();
  } catch (const std::exception&) {  // json::exception, or json_int's invalid_argument
    return Status::Corruption(subject, "is not vault settings (a field is missing or of the wrong type)");
  }
  if (Status st = CheckSettings(s); !st.ok()) return Status::Corruption(subject, st.message());
  return s;
}

bool IsApprovalProblem(const Status& st) {
  switch (st.code()) {
    case StatusCode::kCorruption:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kInvalidArgument:
      return true;
    default:
      return IsObjectProblem(st);
  }
}

std::vector<std::string> Ids(const std::vector<Guardian>& gs) {
  std::vector<std::string> out;
  out.reserve(gs.size());
  for (const Guardian& g : gs) out.push_back(g.id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<approval::Operation> GuardedChanges(const VaultSettings& prev, const VaultSettings& next) {
  std::vector<approval::Operation> out;
  if (prev.soft_delete != "disabled" && next.soft_delete == "disabled")
    out.push_back(approval::SoftDeleteDisable());
  if (prev.immutability == "unlocked" && next.immutability == "disabled")
    out.push_back(approval::ImmutabilityDisable());
  const std::vector<std::string> before = Ids(prev.guardians), after = Ids(next.guardians);
  for (const std::string& id : after) {
    if (!std::binary_search(before.begin(), before.end(), id)) out.push_back(approval::GuardianAdd(id));
  }
  for (const std::string& id : before) {
    if (!std::binary_search(after.begin(), after.end(), id)) out.push_back(approval::GuardianRemove(id));
  }
  return out;
}

Status CheckSettings(const VaultSettings& s) {
  if (s.soft_delete != "disabled" && s.soft_delete != "enabled" && s.soft_delete != "always-on") {
    return Status::InvalidArgument("soft delete \"" + s.soft_delete + "\"",
                                   "must be disabled, enabled or always-on");
  }
  if (s.soft_delete_days < 1 || s.soft_delete_days > 365) {
    return Status::InvalidArgument("soft delete days " + std::to_string(s.soft_delete_days),
                                   "must be 1 to 365 (how long a forgotten backup can be undeleted)");
  }
  if (s.immutability != "disabled" && s.immutability != "unlocked" && s.immutability != "locked") {
    return Status::InvalidArgument("immutability \"" + s.immutability + "\"",
                                   "must be disabled, unlocked or locked");
  }
  std::vector<std::string> ids = Ids(s.guardians);
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end())
    return Status::InvalidArgument("guardians", "name one guardian twice");
  if (s.prune_grace_seconds < 60 || s.prune_grace_seconds > kMaxGrace) {
    return Status::InvalidArgument("prune grace " + std::to_string(s.prune_grace_seconds) + " s",
                                   "must be 60 s to 365 days, longer than any backup runs");
  }
  return Status::OK();
}

VaultSettingsStore::VaultSettingsStore(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems)
    : objects_(objects), keys_(keys), problems_(problems) {}

Status VaultSettingsStore::CheckFormat() const {
  if (keys_.format() == 2) return Status::OK();
  return Status::NotSupported("vault settings of " + objects_.store().Describe(),
                              "a format 1 vault has no admin key to sign them; soft delete, immutability and "
                              "prune need a format 2 vault");
}

Result<VaultSettings> VaultSettingsStore::Read(const std::string& key, KnownSize size) {
  CV_ASSIGN_OR_RETURN(std::string payload, GetSigned(objects_, ObjectKind::kVaultSettings, key, size));
  const std::string subject = objects_.Subject(key);
  CV_ASSIGN_OR_RETURN(VaultSettings s, FromJson(payload, subject));
  auto n = layout::ParseNameVersionKey(ObjectKind::kVaultSettings, key);
  if (!n || n->name != kName || n->version != s.version)
    return Status::Corruption(subject, "holds another settings version than its name says");
  return s;
}

Status VaultSettingsStore::CheckGuarded(const VaultSettings& prev, const VaultSettings& next) {
  std::vector<approval::Operation> changes = GuardedChanges(prev, next);
  if (changes.empty() || prev.guardians.empty()) return Status::OK();
  if (changes.size() > 1) {
    return Status::PermissionDenied("vault settings version " + std::to_string(next.version),
                                    "makes more than one change the two-person rule guards at once");
  }
  if (next.approval.empty()) {
    return Status::PermissionDenied(
        "vault settings version " + std::to_string(next.version),
        "makes a guarded change ('" + changes[0].Canonical() + "') without a guardian's approval");
  }
  Approvals approvals(objects_, keys_, problems_);
  Status st = approvals.Check(next.approval, changes[0], prev.guardians, next.set_at);
  // The store or the network failing stops the read; an approval that is missing, forged, for something
  // else or expired makes the version invalid.
  if (!st.ok() && !IsApprovalProblem(st)) return st;
  if (!st.ok()) {
    return Status::PermissionDenied(
        "vault settings version " + std::to_string(next.version),
        "its approval of '" + changes[0].Canonical() + "' does not hold: " + st.message());
  }
  return Status::OK();
}

Result<VaultSettings> VaultSettingsStore::Current() {
  // The whole history: whether a version counts depends on the guardians of the one before it.
  CV_ASSIGN_OR_RETURN(std::vector<VaultSettings> history, History());
  if (history.empty()) return VaultSettings{};
  return history.back();
}

Result<std::vector<VaultSettings>> VaultSettingsStore::History() {
  CV_RETURN_IF_ERROR(CheckFormat());
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kVaultSettings, &listed,
                                   layout::NameVersionPrefix(ObjectKind::kVaultSettings, kName)));
  std::vector<VaultSettings> out;
  for (const auto& o : listed) {
    auto n = layout::ParseNameVersionKey(ObjectKind::kVaultSettings, o.key);
    if (!n || n->name != kName) continue;
    auto s = Read(o.key, o.size);
    if (s.ok()) {
      // A version counts only if it may follow the last one that counted (the two-person rule).
      const VaultSettings prev = out.empty() ? VaultSettings{} : out.back();
      Status st = CheckGuarded(prev, *s);
      if (st.ok()) {
        out.push_back(std::move(s).value());
      } else if (st.code() == StatusCode::kPermissionDenied) {
        problems_.Add(o.key, "vault settings version skipped: " + st.message(), true);
      } else {
        return st;
      }
    } else if (IsObjectProblem(s.status())) {
      problems_.Add(o.key, "vault settings version skipped: " + s.status().message());
    } else {
      return s.status();
    }
  }
  return out;
}

Result<VaultSettings> VaultSettingsStore::Set(const VaultSettings& next, const std::string& set_by,
                                              int64_t now) {
  CV_RETURN_IF_ERROR(CheckFormat());
  const crypto::KeyBundle* bundle = keys_.bundle();
  if (bundle == nullptr || !bundle->AdminSigner().ok()) {
    return Status::PermissionDenied(
        "vault settings", "need an admin key of vault " + objects_.store().Describe() +
                              "; it was opened with a " +
                              std::string(bundle ? crypto::KeyRoleName(bundle->role()) : "format 1") +
                              " key. Nothing was written");
  }
  CV_RETURN_IF_ERROR(CheckSettings(next).Annotate("vault settings; nothing was written"));
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    CV_ASSIGN_OR_RETURN(std::vector<VaultSettings> history, History());
    for (const VaultSettings& h : history) {
      if (h.soft_delete == "always-on" && next.soft_delete != "always-on") {
        return Status::FailedPrecondition(
            "soft delete", "is always-on in vault " + objects_.store().Describe() + " since version " +
                               std::to_string(h.version) + " (" + layout::FormatTime(h.set_at) + ", by " +
                               h.set_by + "); always-on cannot be turned off. Nothing was written");
      }
      if (h.immutability == "locked" && next.immutability != "locked") {
        return Status::FailedPrecondition(
            "immutability", "is locked in vault " + objects_.store().Describe() + " since version " +
                                std::to_string(h.version) + " (" + layout::FormatTime(h.set_at) + ", by " +
                                h.set_by + "); locked cannot be undone. Nothing was written");
      }
    }
    // The next number after every name taken, valid or not (names are create-only).
    std::vector<storage::ObjectInfo> listed;
    CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kVaultSettings, &listed,
                                     layout::NameVersionPrefix(ObjectKind::kVaultSettings, kName)));
    uint32_t newest = 0;
    for (const auto& o : listed) {
      auto n = layout::ParseNameVersionKey(ObjectKind::kVaultSettings, o.key);
      if (n && n->name == kName && n->version > newest) newest = n->version;
    }
    if (newest == UINT32_MAX)
      return Status::ResourceExhausted("vault settings", "have no version number left. Nothing was written");
    VaultSettings v = next;
    v.version = newest + 1;
    v.set_at = now;
    v.set_by = set_by;
    std::sort(v.guardians.begin(), v.guardians.end(),
              [](const Guardian& a, const Guardian& b) { return a.id < b.id; });
    // What a reader would skip is never written: a guarded change needs its approval now.
    CV_RETURN_IF_ERROR(CheckGuarded(history.empty() ? VaultSettings{} : history.back(), v)
                           .Annotate("vault settings; nothing was written"));
    const std::string key = layout::NameVersionKey(ObjectKind::kVaultSettings, kName, v.version);
    Status st = PutSigned(objects_, ObjectKind::kVaultSettings, key, ToJson(v), "vault settings");
    if (st.ok()) return v;
    if (!st.IsAlreadyExists()) return st;  // another admin took the number: read again
  }
  return Status::Unavailable(
      "vault settings", "other admins kept taking the next version number; nothing was written, try again");
}

}  // namespace cv::vault
