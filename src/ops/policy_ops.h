// src/ops/policy_ops.h — `cassvault policy set` and `policy remove`: a policy stored as a new admin-signed
// version (vault/policy_store.h). A version that keeps less than the current one (approval::LowersRetention)
// is the two-person rule's "retention.lower policy=NAME version=<SHA-256 of the new policy>"
// (ops/approvals.h): with guardians registered, refused without a guardian's approval of exactly that policy.
#pragma once

#include <cstdint>
#include <string>

#include "core/approval.h"
#include "core/policy.h"
#include "core/result.h"
#include "vault/policy_store.h"
#include "vault/vault.h"

namespace cv::ops {

// The approval a lowering of `next`'s retention needs (its version: the SHA-256 hex of its canonical JSON).
approval::Operation RetentionLowering(const policy::Policy& next);

// Stores `p` as the newest version of its policy. NotSupported for a format 1 vault; PermissionDenied
// without an admin key or without the approval a lowering needs, before anything is written.
Result<vault::PolicyVersion> SetPolicy(vault::Vault& v, const policy::Policy& p, const std::string& by,
                                       int64_t now);

// Ends policy `name` (a version marked removed): the daemons stop running it; its backups stay, kept by
// prune until a rule judges them (ops/prune.cc). Audited like `set` ("policy.remove"): intent first, nothing
// done when the intent cannot be written. Not a two-person operation: it deletes nothing (docs/approvals.md).
Result<vault::PolicyVersion> RemovePolicy(vault::Vault& v, const std::string& name, const std::string& by,
                                          int64_t now);

}  // namespace cv::ops
