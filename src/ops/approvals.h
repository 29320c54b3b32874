// src/ops/approvals.h — the two-person rule (docs/approvals.md), as Azure Backup's multi-user authorization
// does it, but in the vault: guardians registered in the vault settings, approvals they sign, and the check
// every destructive command makes before it writes anything. Opt-in: with no guardian registered, nothing
// needs an approval.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/approval.h"
#include "core/result.h"
#include "vault/approvals.h"
#include "vault/guardian.h"
#include "vault/vault.h"

namespace cv::ops {

// Returns the approval's id when one is needed and a valid one exists; "" when no guardian is registered
// (the rule is opt-in, like Azure's Resource Guard) or the vault is format 1; PermissionDenied (exit 6)
// naming the operation and the exact `cassvault approve ...` command when it is needed and missing,
// expired, or only approved for another operation.
Result<std::string> RequireApproval(vault::Vault& v, const approval::Operation& op, int64_t now);

// The command a guardian runs to approve `op`.
std::string ApproveCommand(const approval::Operation& op);

// `cassvault approve`: refused (PermissionDenied) when `signer` is not a registered guardian, before anything
// is written. The operation must parse as canonical text (approval::ParseOperation).
Result<vault::Approval> Approve(vault::Vault& v, const approval::Operation& op, int64_t expires,
                                const std::string& reason, vault::ApprovalSigner& signer, int64_t now);

// `cassvault guardian add | remove | list` (admin key). Adding the first guardian needs no approval; once
// there are guardians, adding or removing one needs "guardian.add guardian=<id>" / "guardian.remove
// guardian=<id>" approved by an existing guardian. Removing the last guardian turns the rule off (with its
// approval). `which`: a guardian id or name.
Result<vault::Guardian> AddGuardian(vault::Vault& v, vault::Guardian g, const std::string& by, int64_t now);
Result<vault::Guardian> RemoveGuardian(vault::Vault& v, const std::string& which, const std::string& by,
                                       int64_t now);
Result<std::vector<vault::Guardian>> ListGuardians(vault::Vault& v);

// A Key Vault key as a guardian (PS256): its version `kid`'s DER public key, recorded at registration
// (InvalidArgument unless it is an RSA key of 2048 bits or more). `name` as for AddGuardian.
Result<vault::Guardian> GuardianFromKeyVault(crypto::RemoteSigner& signer, const std::string& kid,
                                             const std::string& name);
// The signer of `approve --guardian-key-vault WHICH`: the registered PS256 guardian named WHICH (name, id or
// kid), signing through `signer` (the Key Vault client behind crypto::RemoteSigner). NotFound naming the
// Key Vault guardians there are.
Result<std::unique_ptr<vault::ApprovalSigner>> KeyVaultApprovalSigner(
    vault::Vault& v, const std::string& which, std::unique_ptr<crypto::RemoteSigner> signer);

}  // namespace cv::ops
