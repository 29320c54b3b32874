// src/vault/approvals.h — guardian approvals (docs/approvals.md, docs/vault-format.md "Approvals"):
// approvals/<yyyymmddThhmmssZ>-<16 hex>, one create-only object per approval, sealed like other v2 metadata
// (every key role reads it) and signed inside the seal by a guardian's key:
//
//   plaintext = {"body": "<body JSON>", "alg": "Ed25519"|"PS256", "signature": "<base64>"}
//   body      = {"vault", "operation" (canonical), "created", "expires", "guardian" (id), "reason"}
//   signed    = "cassvault/v2/approval" NUL | vault id | NUL | object name | NUL | body
//
// The approval's id is its name after the prefix. An approval counts only if its signature is a registered
// guardian's, its body names this vault, and the use lies between created and expires; what it approves is
// exactly its canonical operation. Anyone who can write to the vault can create an object here; only a
// guardian's key makes one count. Format v2 only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/approval.h"
#include "core/backup_marks.h"
#include "core/result.h"
#include "vault/guardian.h"
#include "vault/object_table.h"
#include "vault/problems.h"
#include "vault/vault_keys.h"

namespace cv::vault {

struct Approval {
  std::string id;  // <stamp>-<16 hex>
  std::string vault_id, operation, guardian, reason, alg;
  int64_t created = 0, expires = 0;
};

// How early a use may be before `created` (clocks of two hosts), seconds.
inline constexpr int64_t kApprovalClockSkew = 300;
// The longest an approval may be valid: a guardian approves an operation, not a standing permission.
inline constexpr int64_t kMaxApprovalSeconds = int64_t{30} * 86400;

class Approvals {
 public:
  // All three must outlive this.
  Approvals(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems);

  // Signs `op` with `signer` and writes it create-only. InvalidArgument for an expiry not after now or more
  // than kMaxApprovalSeconds away, or a reason over 1 KiB, before anything is written.
  Result<Approval> Create(const approval::Operation& op, int64_t expires, const std::string& reason,
                          ApprovalSigner& signer, int64_t now);

  // One approval, opened and checked against `guardians`: Corruption naming it when it does not open, is
  // not signed by one of them, or names another vault.
  Result<Approval> Read(const std::string& id, const std::vector<Guardian>& guardians);

  // Every approval that opens and is signed by one of `guardians` for this vault, newest first. The others
  // are named in problems (never used).
  Result<std::vector<Approval>> Valid(const std::vector<Guardian>& guardians);

  // The approval `id` allows `op` at `at`: read, signed by one of `guardians`, this vault, exactly `op`,
  // created - skew <= at <= expires. Corruption/FailedPrecondition naming what is wrong.
  Status Check(const std::string& id, const approval::Operation& op, const std::vector<Guardian>& guardians,
               int64_t at);
  // The approval on a mark entry (a lock lowered or removed, a purge date brought closer) covers exactly
  // that entry: its backup or policy among the operation's, its date, and the entry's time within the
  // approval's validity.
  Status CheckMark(const marks::Entry& e, const std::vector<Guardian>& guardians);

 private:
  Status CheckFormat() const;
  Result<Approval> ReadKey(const std::string& key, KnownSize size, const std::vector<Guardian>& guardians);

  ObjectTable& objects_;
  const VaultKeys& keys_;
  ProblemLog& problems_;
};

}  // namespace cv::vault
