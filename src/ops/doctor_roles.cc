#include "ops/doctor_roles.h"

namespace cv::ops {
namespace {

bool Starts(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The store right to take away, named as the operator grants it on this backend.
std::string DeleteRight(std::string_view where) {
  if (Starts(where, "azure://")) {
    return "the delete right: SAS permissions 'd', 'x' and 'y', or the data action "
           "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete (Storage Blob Data "
           "Contributor has it: use a custom role without it)";
  }
  if (Starts(where, "s3://")) return "s3:DeleteObject and s3:DeleteObjectVersion from its policy";
  return "its write permission on the vault's directories (which lets it remove files)";
}

constexpr std::string_view kUnwrap =
    "Key Vault's Microsoft.KeyVault/vaults/keys/unwrap/action (Key Vault Crypto Service Encryption User, "
    "Crypto User and Crypto Officer have it)";
constexpr std::string_view kSign =
    "Key Vault's Microsoft.KeyVault/vaults/keys/sign/action (Key Vault Crypto User and Crypto Officer have "
    "it)";

// What a store lacks for a role, "" when it has it all.
std::string StoreMissing(const IdentityFacts& f, bool create, bool del) {
  std::string m;
  auto add = [&](bool have, const char* what) {
    if (have) return;
    m += m.empty() ? "store " : ", ";
    m += what;
  };
  add(f.read, "read");
  add(f.list, "list");
  if (create) add(f.create, "create");
  if (del) add(f.del, "delete");
  return m;
}

RoleVerdict Verdict(const IdentityFacts& f, bool create, bool del, bool key_ok, const char* key_needed) {
  std::string missing = StoreMissing(f, create, del);
  if (!key_ok) missing += std::string(missing.empty() ? "" : " and ") + key_needed;
  return {missing.empty(), missing};
}

}  // namespace

std::string_view IdentityKeyName(IdentityKey k) {
  switch (k) {
    case IdentityKey::kNone:
      return "none";
    case IdentityKey::kV1:
      return "v1";
    case IdentityKey::kWriter:
      return "writer";
    case IdentityKey::kReader:
      return "reader";
    case IdentityKey::kAdmin:
      return "admin";
  }
  return "?";
}

RoleSummary DeriveRoles(const IdentityFacts& f, std::string_view where) {
  const IdentityKey k = f.key;
  const bool full = k == IdentityKey::kV1 || k == IdentityKey::kAdmin;
  const bool reads = full || k == IdentityKey::kReader;
  const bool writes = reads || k == IdentityKey::kWriter;
  RoleSummary s;
  s.key = std::string(IdentityKeyName(k));
  s.backup = Verdict(f, true, false, writes, "a vault key");
  s.restore = Verdict(f, false, false, reads, "a reader or admin key");
  s.prune = Verdict(f, true, true, full, "an admin key");
  s.admin = Verdict(f, true, false, full, "an admin key");

  switch (k) {
    case IdentityKey::kWriter:
      s.identity = "backup node";
      if (f.del) {
        s.excess.push_back(
            "a backup node (writer key) can DELETE vault objects: whoever steals it can destroy "
            "the backups cassvault's own commands would refuse to. Remove " +
            DeleteRight(where));
      }
      if (f.kv_unwrap) {
        s.excess.push_back(
            "a backup node (writer key) may unwrap with the Key Vault key, which opens the reader slots: a "
            "stolen node could read every backup. A node needs no Key Vault right; remove " +
            std::string(kUnwrap));
      }
      if (f.kv_sign) {
        s.excess.push_back(
            "a backup node (writer key) may sign with the Key Vault key: only a guardian signs "
            "approvals. Remove " +
            std::string(kSign));
      }
      break;
    case IdentityKey::kReader:
      s.identity = "restore operator";
      if (f.del) {
        s.excess.push_back(
            "a restore operator (reader key) can DELETE vault objects; restore never deletes. "
            "Remove " +
            DeleteRight(where));
      }
      if (f.kv_sign) {
        s.excess.push_back(
            "a restore operator (reader key) may sign with the Key Vault key: only a guardian "
            "signs approvals. Remove " +
            std::string(kSign));
      }
      break;
    case IdentityKey::kAdmin:
      s.identity = "admin";
      break;
    case IdentityKey::kV1:
    case IdentityKey::kNone:
      break;
  }
  return s;
}

std::string CanDoList(const RoleSummary& s) {
  std::string out;
  for (auto [name, v] : {std::pair{"backup", &s.backup}, std::pair{"restore", &s.restore},
                         std::pair{"prune", &s.prune}, std::pair{"admin", &s.admin}}) {
    if (!v->can) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "nothing" : out;
}

}  // namespace cv::ops
