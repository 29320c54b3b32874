#include "vault/vault_settings.h"

#include <nlohmann/json.hpp>

#include "core/vault_layout.h"
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
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<VaultSettings> FromJson(std::string_view text, const std::string& subject) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption(subject, "is not vault settings (not JSON)");
  VaultSettings s;
  try {
    s.soft_delete = j.at("soft_delete").get<std::string>();
    s.soft_delete_days = j.at("soft_delete_days").get<int64_t>();
    s.immutability = j.at("immutability").get<std::string>();
    s.prune_grace_seconds = j.at("prune_grace_seconds").get<int64_t>();
    s.version = j.at("version").get<uint32_t>();
    s.set_at = j.at("set_at").get<int64_t>();
    s.set_by = j.at("set_by").get<std::string>();
  } catch (const json::exception&) {
    return Status::Corruption(subject, "is not vault settings (a field is missing or of the wrong type)");
  }
  if (Status st = CheckSettings(s); !st.ok()) return Status::Corruption(subject, st.message());
  return s;
}

}  // namespace

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

Result<VaultSettings> VaultSettingsStore::Current() {
  CV_RETURN_IF_ERROR(CheckFormat());
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kVaultSettings, &listed,
                                   layout::NameVersionPrefix(ObjectKind::kVaultSettings, kName)));
  // Newest first: the first version that verifies is current; a forged newer one is skipped, named.
  for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
    auto n = layout::ParseNameVersionKey(ObjectKind::kVaultSettings, it->key);
    if (!n || n->name != kName) continue;
    auto s = Read(it->key, it->size);
    if (s.ok()) return s;
    if (!IsObjectProblem(s.status())) return s.status();
    problems_.Add(it->key, "vault settings version skipped: " + s.status().message());
  }
  return VaultSettings{};
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
      out.push_back(std::move(s).value());
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
    const std::string key = layout::NameVersionKey(ObjectKind::kVaultSettings, kName, v.version);
    Status st = PutSigned(objects_, ObjectKind::kVaultSettings, key, ToJson(v), "vault settings");
    if (st.ok()) return v;
    if (!st.IsAlreadyExists()) return st;  // another admin took the number: read again
  }
  return Status::Unavailable(
      "vault settings", "other admins kept taking the next version number; nothing was written, try again");
}

}  // namespace cv::vault
