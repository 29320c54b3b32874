#include "ops/policy_ops.h"

#include "ops/approvals.h"
#include "ops/audit_trail.h"

namespace cv::ops {

approval::Operation RetentionLowering(const policy::Policy& next) {
  const crypto::Hash32 h = crypto::Sha256(crypto::AsBytes(policy::PolicyToJson(next)));
  return approval::RetentionLower(next.name, crypto::ToHex(h));
}

Result<vault::PolicyVersion> SetPolicy(vault::Vault& v, const policy::Policy& p, const std::string& by,
                                       int64_t now) {
  if (v.format() < 2) {
    return Status::NotSupported("policy",
                                "a format 1 vault has no admin key to sign policies; use a node-local policy "
                                "file (daemon.policy_files in the config, docs/policies.md)");
  }
  std::string approval_id;
  auto set = [&]() -> Result<vault::PolicyVersion> {
    // Is this a lowering? Only against the current version of the same policy (a new one lowers nothing).
    CV_ASSIGN_OR_RETURN(std::vector<vault::PolicyVersion> all, v.policies().Current());
    for (const vault::PolicyVersion& pv : all) {
      if (pv.name != p.name) continue;
      auto old =
          policy::PolicyFromJson(pv.body, "policy " + pv.name + " version " + std::to_string(pv.version));
      // A current version that no longer parses keeps nothing we could compare with: treat it as unlimited.
      const policy::Retention before = old.ok() ? old->retention : policy::Retention{};
      if (!old.ok() || approval::LowersRetention(before, p.retention)) {
        CV_ASSIGN_OR_RETURN(approval_id, RequireApproval(v, RetentionLowering(p), now));
      }
    }
    return v.policies().Set(p.name, policy::PolicyToJson(p), by, now);
  };
  return AuditedChange(v, {"policy.set", {p.name}, {}, ""}, set, [&](const Result<vault::PolicyVersion>& pv) {
    nlohmann::json j{{"version", pv->version}};
    if (!approval_id.empty()) j["approval"] = approval_id;
    return j;
  });
}

Result<vault::PolicyVersion> RemovePolicy(vault::Vault& v, const std::string& name, const std::string& by,
                                          int64_t now) {
  return AuditedChange(
      v, {"policy.remove", {name}, {}, ""}, [&] { return v.policies().Remove(name, by, now); },
      [](const Result<vault::PolicyVersion>& pv) {
        return nlohmann::json{{"version", pv->version}};
      });
}

}  // namespace cv::ops
