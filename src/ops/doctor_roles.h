// src/ops/doctor_roles.h — which of backup, restore, prune and admin an identity can do, and what it holds
// beyond the role its vault key implies (docs/security.md, "Identities and what each can do").
//
// Pure: doctor probes the store (read, list, create, delete), opens the vault with the configured key and
// asks Key Vault what it may do; this turns those facts into the role summary. What each role needs:
//   backup   store read + list + create; a writer, reader or admin key (v1: the key)
//   restore  store read + list (create for its audit records); a reader or admin key (v1: the key)
//   prune    store read + list + create + delete; an admin key (v1: the key)
//   admin    store read + list + create (policies, settings, marks, key slots); an admin key (v1: the key)
// A key's role implies the identity it belongs to: writer = backup node, reader = restore operator, admin =
// admin. More than that identity needs is an excess, reported with what to remove: a stolen credential
// can do exactly what it holds, whatever cassvault's own commands refuse.
//   writer  delete (a node never deletes), Key Vault unwrap (a node needs no Key Vault right at all:
//           it seals to the reader's public key) and sign (only a guardian signs)
//   reader  delete, Key Vault sign
// A reader's create right is not an excess: restore writes its audit records with it, and a reader key
// holds the writer's keys anyway (it can back up). Admin holds everything by design; a v1 key, or no key,
// implies no role, so only the store's delete warning applies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cv::ops {

// The key doctor opened the vault with. kNone: no key configured without a prompt, or it did not open.
enum class IdentityKey { kNone, kV1, kWriter, kReader, kAdmin };

struct IdentityFacts {
  // The store, from doctor's probes.
  bool read = false, list = false, create = false, del = false;
  IdentityKey key = IdentityKey::kNone;
  // Key Vault, from its checks; all false when vault.key_vault is not configured.
  bool key_vault = false, kv_unwrap = false, kv_sign = false;
};

struct RoleVerdict {
  bool can = false;
  std::string missing;  // what it lacks, when it cannot ("store delete", "an admin key")
};

struct RoleSummary {
  RoleVerdict backup, restore, prune, admin;
  std::string key;       // "writer", "reader", "admin", "v1", "none"
  std::string identity;  // the identity the key implies: "backup node", "restore operator", "admin", ""
  // Each names what the identity holds beyond its role and what to remove (in `where`'s terms).
  std::vector<std::string> excess;
};

// `where` is the store's Describe() ("azure://...", "s3://...", a path): it picks the names of the rights
// to remove (SAS letter and RBAC data action, IAM action, directory permission).
RoleSummary DeriveRoles(const IdentityFacts& facts, std::string_view where);

// "backup, restore" / "nothing": the roles it can do, in order.
std::string CanDoList(const RoleSummary& s);
std::string_view IdentityKeyName(IdentityKey k);

}  // namespace cv::ops
