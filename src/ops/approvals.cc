#include "ops/approvals.h"

#include <algorithm>

#include "core/vault_layout.h"
#include "ops/audit_trail.h"

namespace cv::ops {

namespace {

std::string Names(const std::vector<vault::Guardian>& gs) {
  std::string out;
  for (const vault::Guardian& g : gs) out += (out.empty() ? "" : ", ") + g.name + " (" + g.id + ")";
  return out;
}

Status NeedsAdmin(vault::Vault& v, std::string_view what) {
  if (v.format() < 2)
    return Status::NotSupported(what, "a format 1 vault has no admin key; guardians need a format 2 vault");
  const crypto::KeyBundle* b = v.keys().bundle();
  if (b != nullptr && b->AdminSigner().ok()) return Status::OK();
  return Status::PermissionDenied(
      what, "needs an admin key of vault " + v.store().Describe() + "; it was opened with a " +
                std::string(b ? crypto::KeyRoleName(b->role()) : "format 1") + " key. Nothing was written");
}

}  // namespace

std::string ApproveCommand(const approval::Operation& op) {
  return "cassvault approve --operation '" + op.Canonical() + "' --expires 24h --guardian-key FILE";
}

Result<std::string> RequireApproval(vault::Vault& v, const approval::Operation& op, int64_t now) {
  if (v.format() < 2) return std::string();
  CV_ASSIGN_OR_RETURN(vault::VaultSettings s, v.settings().Current());
  if (s.guardians.empty()) return std::string();
  vault::ProblemLog problems;
  vault::Approvals approvals(v.objects(), v.keys(), problems);
  CV_ASSIGN_OR_RETURN(std::vector<vault::Approval> valid, approvals.Valid(s.guardians));
  const std::string want = op.Canonical();
  std::string expired, other;
  for (const vault::Approval& a : valid) {  // newest first
    if (a.operation != want) {
      if (other.empty()) other = a.id + " approves '" + a.operation + "'";
      continue;
    }
    if (now > a.expires) {
      if (expired.empty()) expired = a.id + " expired at " + layout::FormatTime(a.expires);
      continue;
    }
    if (now + vault::kApprovalClockSkew < a.created) continue;
    return a.id;
  }
  std::string why;
  if (!expired.empty()) {
    why = "the approval of it has expired (" + expired + ")";
  } else if (!other.empty()) {
    why = "no guardian approved it; the newest approval is for another operation (" + other + ")";
  } else {
    why = "no guardian approved it";
  }
  for (const auto& p : problems.All()) v.NoteProblem(p.object, p.problem, p.damage);
  return Status::PermissionDenied(
      "'" + want + "'", "needs a guardian's approval (two-person rule; guardians: " + Names(s.guardians) +
                            "): " + why + ". A guardian runs `" + ApproveCommand(op) +
                            "` (or --guardian-key-vault NAME), then run this again. Nothing was written");
}

Result<vault::Approval> Approve(vault::Vault& v, const approval::Operation& op, int64_t expires,
                                const std::string& reason, vault::ApprovalSigner& signer, int64_t now) {
  if (v.format() < 2)
    return Status::NotSupported("approve", "a format 1 vault has no guardians; approvals need format 2");
  const std::string id = vault::GuardianId(signer.alg(), signer.public_key());
  auto approve = [&]() -> Result<vault::Approval> {
    CV_ASSIGN_OR_RETURN(vault::VaultSettings s, v.settings().Current());
    if (std::none_of(s.guardians.begin(), s.guardians.end(),
                     [&](const vault::Guardian& g) { return g.id == id; })) {
      return Status::PermissionDenied(
          "approve", signer.Name() + " is not a guardian of vault " + v.store().Describe() + " (its id is " +
                         id +
                         "; guardians: " + (s.guardians.empty() ? std::string("none") : Names(s.guardians)) +
                         "; an admin registers one with `cassvault guardian add`). Nothing was written");
    }
    vault::ProblemLog problems;
    return vault::Approvals(v.objects(), v.keys(), problems).Create(op, expires, reason, signer, now);
  };
  AuditEvent e{
      "approval", {op.Canonical()}, {{"guardian", id}, {"expires", layout::FormatTime(expires)}}, ""};
  return AuditedChange(v, e, approve, [](const Result<vault::Approval>& a) {
    return nlohmann::json{{"approval", a->id}};
  });
}

// The approval a guardian change used (none for the first guardian), for its audit record.
nlohmann::json ApprovalDetails(const std::string& approval_id) {
  nlohmann::json j = nlohmann::json::object();
  if (!approval_id.empty()) j["approval"] = approval_id;
  return j;
}

Result<vault::Guardian> AddGuardian(vault::Vault& v, vault::Guardian g, const std::string& by, int64_t now) {
  CV_RETURN_IF_ERROR(NeedsAdmin(v, "guardian add"));
  CV_ASSIGN_OR_RETURN(vault::VaultSettings s, v.settings().Current());
  for (const vault::Guardian& x : s.guardians) {
    if (x.id == g.id)
      return Status::AlreadyExists("guardian " + g.id, "is registered already (as " + x.name + ")");
    if (x.name == g.name)
      return Status::AlreadyExists("guardian name " + g.name, "is taken by guardian " + x.id);
  }
  return AuditedChange(
      v, {"guardian.add", {g.id, g.name}, {}, ""},
      [&]() -> Result<vault::Guardian> {
        CV_ASSIGN_OR_RETURN(s.approval, RequireApproval(v, approval::GuardianAdd(g.id), now));
        g.added_at = now;
        s.guardians.push_back(g);
        CV_RETURN_IF_ERROR(v.settings().Set(s, by, now).status());
        return g;
      },
      [&](const Result<vault::Guardian>&) { return ApprovalDetails(s.approval); });
}

Result<vault::Guardian> RemoveGuardian(vault::Vault& v, const std::string& which, const std::string& by,
                                       int64_t now) {
  CV_RETURN_IF_ERROR(NeedsAdmin(v, "guardian remove"));
  CV_ASSIGN_OR_RETURN(vault::VaultSettings s, v.settings().Current());
  auto it = std::find_if(s.guardians.begin(), s.guardians.end(),
                         [&](const vault::Guardian& g) { return g.id == which || g.name == which; });
  if (it == s.guardians.end()) {
    return Status::NotFound("guardian " + which,
                            "is not registered (guardians: " +
                                (s.guardians.empty() ? std::string("none") : Names(s.guardians)) + ")");
  }
  vault::Guardian gone = *it;
  return AuditedChange(
      v, {"guardian.remove", {gone.id, gone.name}, {}, ""},
      [&]() -> Result<vault::Guardian> {
        CV_ASSIGN_OR_RETURN(s.approval, RequireApproval(v, approval::GuardianRemove(gone.id), now));
        s.guardians.erase(it);
        CV_RETURN_IF_ERROR(v.settings().Set(s, by, now).status());
        return gone;
      },
      [&](const Result<vault::Guardian>&) { return ApprovalDetails(s.approval); });
}

Result<std::vector<vault::Guardian>> ListGuardians(vault::Vault& v) {
  if (v.format() < 2) return std::vector<vault::Guardian>{};
  CV_ASSIGN_OR_RETURN(vault::VaultSettings s, v.settings().Current());
  return s.guardians;
}

Result<vault::Guardian> GuardianFromKeyVault(crypto::RemoteSigner& signer, const std::string& kid,
                                             const std::string& name) {
  CV_ASSIGN_OR_RETURN(crypto::Bytes der, signer.PublicKeyDer(kid));
  auto g = vault::GuardianFromPublicKey(crypto::Base64Encode(der), name);
  if (!g.ok() || g->alg != vault::kGuardianPs256) {
    return Status::InvalidArgument(
        signer.Name() + " key " + kid,
        "is not an RSA key of 2048 bits or more; a Key Vault guardian signs PS256");
  }
  g->kid = kid;
  return g;
}

Result<std::unique_ptr<vault::ApprovalSigner>> KeyVaultApprovalSigner(
    vault::Vault& v, const std::string& which, std::unique_ptr<crypto::RemoteSigner> signer) {
  CV_ASSIGN_OR_RETURN(std::vector<vault::Guardian> all, ListGuardians(v));
  std::string names;
  for (const vault::Guardian& g : all) {
    if (g.alg != vault::kGuardianPs256) continue;
    if (g.name == which || g.id == which || g.kid == which)
      return vault::RemoteApprovalSigner(std::move(signer), g);
    names += (names.empty() ? "" : ", ") + g.name + " (" + g.kid + ")";
  }
  return Status::NotFound(
      "Key Vault guardian " + which,
      "is not registered (Key Vault guardians: " + (names.empty() ? std::string("none") : names) + ")");
}

}  // namespace cv::ops
