#include "vault/policy_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/json_int.h"
#include "vault/signed_object.h"

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {

// A policy is a few hundred bytes of JSON; the bound leaves room for long selections and stays well under
// the kind's read bound once signed, sealed and escaped.
constexpr size_t kMaxBody = 32 << 10;
// Concurrent admins each take the next free version; a few rounds settle any real contention.
constexpr int kWriteAttempts = 5;

std::string VersionToJson(const PolicyVersion& v) {
  json j = {{"name", v.name},     {"version", v.version}, {"removed", v.removed},
            {"set_at", v.set_at}, {"set_by", v.set_by},   {"body", v.body}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<PolicyVersion> VersionFromJson(std::string_view text, const std::string& subject) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption(subject, "is not a policy version (not JSON)");
  PolicyVersion v;
  try {
    v.name = j.at("name").get<std::string>();
    v.version = j.at("version").get<uint32_t>();
    v.removed = j.at("removed").get<bool>();
    v.set_at = json_int::At(j, "set_at");
    v.set_by = j.at("set_by").get<std::string>();
    v.body = j.at("body").get<std::string>();
  } catch (const std::exception&) {  // json::exception, or json_int's invalid_argument
    return Status::Corruption(subject, "is not a policy version (a field is missing or of the wrong type)");
  }
  return v;
}

}  // namespace

PolicyStore::PolicyStore(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems)
    : objects_(objects), keys_(keys), problems_(problems) {}

Status PolicyStore::CheckFormat() const {
  if (keys_.format() == 2) return Status::OK();
  return Status::NotSupported("policies in vault " + objects_.store().Describe(),
                              "a format 1 vault has no admin key to sign policies; use a node-local policy "
                              "file (docs/policies.md)");
}

Status PolicyStore::CheckWrite(const std::string& name, std::string_view what) const {
  CV_RETURN_IF_ERROR(CheckFormat());
  const std::string subject = "policy " + std::string(what) + " " + name;
  if (!keys_.bundle()->AdminSigner().ok()) {
    return Status::PermissionDenied(subject, "needs an admin key of vault " + objects_.store().Describe() +
                                                 "; it was opened with a " +
                                                 std::string(crypto::KeyRoleName(keys_.bundle()->role())) +
                                                 " key, which nodes use to back up. Nothing was written");
  }
  if (!layout::IsValidObjectName(name)) {
    return Status::InvalidArgument("policy name \"" + name + "\"",
                                   "must be 1-48 letters, digits, '_' or '-' (it starts every tag of the "
                                   "policy). Nothing was written");
  }
  return Status::OK();
}

Result<PolicyVersion> PolicyStore::Read(const std::string& key, KnownSize size) {
  CV_ASSIGN_OR_RETURN(std::string payload, GetSigned(objects_, ObjectKind::kPolicy, key, size));
  const std::string subject = objects_.Subject(key);
  CV_ASSIGN_OR_RETURN(PolicyVersion v, VersionFromJson(payload, subject));
  // The signature binds the name already; a payload naming another policy or version is a bug of its
  // writer, refused all the same so that what is shown is what the name says.
  auto name = layout::ParsePolicyKey(key);
  if (!name || name->name != v.name || name->version != v.version)
    return Status::Corruption(subject, "holds another policy version than its name says");
  return v;
}

Result<PolicyVersion> PolicyStore::Write(const std::string& name, const std::string& body, bool removed,
                                         const std::string& set_by, int64_t now) {
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    std::vector<storage::ObjectInfo> listed;
    CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kPolicy, &listed, layout::PolicyPrefix(name)));
    // The next number after every name taken, valid or not: names are create-only, and a forged version
    // only costs a number (the newest VALID version is what counts).
    uint32_t newest = 0;
    for (const auto& o : listed) {
      auto n = layout::ParsePolicyKey(o.key);
      if (n && n->name == name && n->version > newest) newest = n->version;
    }
    if (newest == UINT32_MAX) {
      return Status::ResourceExhausted("policy " + name,
                                       "has no version number left (an object named version 4294967295 "
                                       "exists); choose another policy name");
    }
    PolicyVersion v{name, newest + 1, body, removed, now, set_by};
    const std::string key = layout::PolicyKey(name, v.version);
    Status st = PutSigned(objects_, ObjectKind::kPolicy, key, VersionToJson(v), "policy " + name);
    if (st.ok()) return v;
    if (!st.IsAlreadyExists()) return st;  // another admin took the number: list again
  }
  return Status::Unavailable("policy " + name,
                             "other writers kept taking the next version number; nothing was written, try "
                             "again");
}

Result<PolicyVersion> PolicyStore::Set(const std::string& name, const std::string& body,
                                       const std::string& set_by, int64_t now) {
  CV_RETURN_IF_ERROR(CheckWrite(name, "set"));
  if (body.empty() || body.size() > kMaxBody) {
    return Status::InvalidArgument("policy " + name, "its body is " + std::to_string(body.size()) +
                                                         " bytes; a policy holds 1 to " +
                                                         std::to_string(kMaxBody) + ". Nothing was written");
  }
  return Write(name, body, false, set_by, now);
}

Result<PolicyVersion> PolicyStore::Remove(const std::string& name, const std::string& set_by, int64_t now) {
  CV_RETURN_IF_ERROR(CheckWrite(name, "remove"));
  CV_ASSIGN_OR_RETURN(std::vector<PolicyVersion> history, History(name));
  if (history.empty() || history.back().removed) {
    return Status::NotFound("policy " + name, "is not set in vault " + objects_.store().Describe() +
                                                  " (`cassvault policy list` shows the policies). Nothing "
                                                  "was written");
  }
  return Write(name, "", true, set_by, now);
}

Result<std::vector<PolicyVersion>> PolicyStore::History(const std::string& name) {
  CV_RETURN_IF_ERROR(CheckFormat());
  if (!layout::IsValidObjectName(name)) {
    return Status::InvalidArgument("policy name \"" + name + "\"",
                                   "must be 1-48 letters, digits, '_' or '-'");
  }
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kPolicy, &listed, layout::PolicyPrefix(name)));
  std::vector<PolicyVersion> out;
  for (const auto& o : listed) {
    auto n = layout::ParsePolicyKey(o.key);
    if (!n || n->name != name) continue;
    auto v = Read(o.key, o.size);
    if (v.ok()) {
      out.push_back(std::move(v).value());
    } else if (IsObjectProblem(v.status())) {
      problems_.Add(o.key, "policy version skipped: " + v.status().message());
    } else {
      return v.status();
    }
  }
  return out;  // the listing is sorted by name, and 10 digits sort as numbers
}

Result<std::vector<PolicyVersion>> PolicyStore::Current() { return Newest(nullptr); }

Result<std::vector<PolicyVersion>> PolicyStore::Poll(std::map<std::string, PolicyVersion>* known) {
  return Newest(known);
}

Result<std::vector<PolicyVersion>> PolicyStore::Newest(std::map<std::string, PolicyVersion>* known) {
  CV_RETURN_IF_ERROR(CheckFormat());
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kPolicy, &listed));
  if (known) {  // forget what is no longer there
    std::set<std::string> present;
    for (const auto& o : listed) present.insert(o.key);
    std::erase_if(*known, [&](const auto& e) { return !present.contains(e.first); });
  }
  std::vector<PolicyVersion> out;
  // Newest first within each name: the first version that verifies is the current one, so older versions
  // are not read at all, and a forged newer one is skipped (named) without hiding the valid one below it.
  std::string done;  // the name whose current version was found
  for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
    auto n = layout::ParsePolicyKey(it->key);
    if (!n || n->name == done) continue;
    std::optional<PolicyVersion> v;
    if (known) {
      auto hit = known->find(it->key);
      if (hit != known->end()) {
        if (hit->second.version == 0) continue;  // did not verify before; create-only, so it still does not
        v = hit->second;
      }
    }
    if (!v) {
      auto read = Read(it->key, it->size);
      if (!read.ok()) {
        if (!IsObjectProblem(read.status())) return read.status();
        problems_.Add(it->key, "policy version skipped: " + read.status().message());
        if (known) (*known)[it->key] = PolicyVersion{n->name, 0, "", false, 0, ""};
        continue;
      }
      v = std::move(read).value();
      if (known) (*known)[it->key] = *v;
    }
    done = n->name;
    if (!v->removed) out.push_back(std::move(*v));
  }
  std::reverse(out.begin(), out.end());  // by name
  return out;
}

}  // namespace cv::vault
