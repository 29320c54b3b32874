// src/vault/policy_store.h — the vault's backup policies (docs/vault-format.md, "Policies"):
// policies/<name>/<version as 10 digits>, one object per version, written create-only.
//
// Each version is sealed under the metadata root (every key role reads it: the nodes that back up hold
// writer keys) and signed by the admin key, over the vault id, the kind, the object's name and the whole
// content, so a version copied under another name, another version number or into another vault does not
// verify. Nodes use no unsigned policy: a writer key (on every node) cannot change what the others back up.
// Format v2 only: a v1 vault has no admin key (NotSupported).
//
// The body is the policy's canonical JSON (policy::PolicyToJson), opaque to the vault.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "vault/object_table.h"
#include "vault/problems.h"
#include "vault/vault_keys.h"

namespace cv::vault {

struct PolicyVersion {
  std::string name;
  uint32_t version = 0;
  std::string body;      // the policy's canonical JSON (policy::PolicyToJson); opaque to the vault
  bool removed = false;  // `policy remove`: a version that ends the policy
  int64_t set_at = 0;    // unix s
  std::string set_by;    // who: "key slot <id> (<role>) on <user>@<host>"
};

class PolicyStore {
 public:
  // All three must outlive the store.
  PolicyStore(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems);

  // Admin only (PermissionDenied naming the key it needs, before anything is written). Writes version
  // newest+1 (create-only; on AlreadyExists from a concurrent admin, re-reads and retries a few times).
  // InvalidArgument for a name that is not [A-Za-z0-9_-]{1,48} or a body larger than a policy can be.
  Result<PolicyVersion> Set(const std::string& name, const std::string& body, const std::string& set_by,
                            int64_t now);
  // A version marked removed (empty body); NotFound if the policy has no current version.
  Result<PolicyVersion> Remove(const std::string& name, const std::string& set_by, int64_t now);

  // The newest version of each policy whose signature verifies and whose removed flag is false, sorted by
  // name. Objects that do not open or whose signature fails are skipped and named in `problems` (never
  // used). A forged NEWER version never hides a valid older one: the newest VALID version wins.
  Result<std::vector<PolicyVersion>> Current();
  // The valid versions of one policy, oldest first (removals included).
  Result<std::vector<PolicyVersion>> History(const std::string& name);

  // For the daemon's poll: one LIST of policies/, and a GET only of names not in `known` (a cache keyed by
  // object name, which this fills; an entry of version 0 marks an object that did not verify, which is
  // create-only and so is not read again). Returns the same as Current(). Requests per poll: the LIST
  // pages + one GET per new version.
  Result<std::vector<PolicyVersion>> Poll(std::map<std::string, PolicyVersion>* known);

 private:
  Status CheckFormat() const;
  // Format, admin key and name, before anything is written.
  Status CheckWrite(const std::string& name, std::string_view what) const;
  // One version, opened and its signature checked (Corruption naming the object otherwise).
  Result<PolicyVersion> Read(const std::string& key, KnownSize size);
  Result<PolicyVersion> Write(const std::string& name, const std::string& body, bool removed,
                              const std::string& set_by, int64_t now);
  Result<std::vector<PolicyVersion>> Newest(std::map<std::string, PolicyVersion>* known);

  ObjectTable& objects_;
  const VaultKeys& keys_;
  ProblemLog& problems_;
};

}  // namespace cv::vault
