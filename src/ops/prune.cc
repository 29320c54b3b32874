#include "ops/prune.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/policy.h"
#include "core/schedule.h"
#include "core/vault_layout.h"
#include "env/clock.h"
#include "ops/audit_trail.h"
#include "ops/audit_verify.h"
#include "ops/lease_holder.h"
#include "ops/list.h"
#include "vault/key_slots.h"
#include "vault/lease.h"

namespace cv::ops {
namespace {

// As the maintenance daemon's lease: a prune by hand holds it for as long, renewing between its steps.
constexpr int64_t kLeaseTtlSeconds = int64_t{15} * 60;

Status RequireAdmin(const vault::Vault& v, std::string_view what) {
  if (v.format() < 2) {
    return Status::NotSupported(what,
                                "a format 1 vault has no admin key to sign what prune decides; nothing "
                                "is ever removed from it");
  }
  const crypto::KeyBundle* b = v.keys().bundle();
  if (b == nullptr || b->role() != crypto::KeyRole::kAdmin) {
    std::string role = b == nullptr ? "key" : std::string(crypto::KeyRoleName(b->role()));
    return Status::PermissionDenied(what, "needs the vault's admin key (this key slot is a " + role +
                                              " key); nothing was forgotten or deleted. Backups run with "
                                              "keys that cannot prune: run prune where the admin key is");
  }
  return Status::OK();
}

// Prune deletes: an identity that may not (a SAS without 'd', a role without blobs/delete, a policy without
// s3:DeleteObject) is refused before the lease, a mark or a purge, naming the permission. The probe is a
// new object under probes/ (never read) that prune creates and deletes: a name that does not exist would
// prove nothing, as stores that keep versions answer "not found" without sending a DELETE. When the delete
// is refused the probe stays behind, 32 harmless bytes (doctor's does the same).
Status RequireDeleteRight(vault::Vault& v) {
  CV_ASSIGN_OR_RETURN(std::string name, vault::RandomHex(16));
  const std::string probe = "probes/prune-" + name;
  CV_ASSIGN_OR_RETURN(std::string body, vault::RandomHex(16));
  CV_RETURN_IF_ERROR(
      v.store().Put(probe, std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size())));
  Status st = v.store().Delete(probe);
  if (st.ok() || st.IsNotFound()) return Status::OK();
  if (st.code() == StatusCode::kPermissionDenied || st.code() == StatusCode::kUnauthenticated) {
    return Status(
        st.code(), "prune",
        "this identity may not delete vault objects, and prune must: nothing was forgotten, marked or "
        "deleted (the probe " +
            probe + " stays behind). " + st.ToString());
  }
  return st;
}

// The policies whose tags prune may judge by their own rules: name -> (rules, zone).
struct PolicyRules {
  retention::Rules rules;
  std::string zone;
};

using PolicyRulesByName = std::map<std::string, PolicyRules>;

Result<PolicyRulesByName> CurrentPolicyRules(vault::Vault& v) {
  PolicyRulesByName out;
  CV_ASSIGN_OR_RETURN(std::vector<vault::PolicyVersion> versions, v.policies().Current());
  for (const vault::PolicyVersion& pv : versions) {
    auto p = policy::PolicyFromJson(pv.body, "policy " + pv.name);
    if (!p.ok()) {
      v.NoteProblem("policies/" + pv.name, p.status().message());
      continue;
    }
    out[pv.name] = PolicyRules{p->retention, p->time_zone};
  }
  return out;
}

struct Grouping {
  std::string key;  // which Decide call the tag belongs to: "policy:<name>" or "rules"
  const retention::Rules* rules = nullptr;
  std::string zone;
};

}  // namespace

Result<PruneReport> PlanPrune(vault::Vault& vault, const PruneOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  CV_RETURN_IF_ERROR(RequireAdmin(vault, "prune"));
  PruneReport report;
  CV_ASSIGN_OR_RETURN(std::vector<BackupRecord> records, vault.ListBackups());
  CV_ASSIGN_OR_RETURN(marks::State state, vault.marks().Load());
  CV_ASSIGN_OR_RETURN(PolicyRulesByName policies, CurrentPolicyRules(vault));

  // Soft-deleted backups leave retention's view; purged ones are gone (a consolidation may still list them).
  std::vector<BackupRecord> active;
  std::map<std::string, int64_t> retain_of, lock_of;  // tag -> the latest date over its backups
  for (BackupRecord& r : records) {
    marks::BackupState s = state.Of(r.backup_id, r.tag);
    if (s.purged) continue;
    if (s.deleted) {
      DeletedPlan d{r, s.purge_after, s.locked_until, "wait"};
      if (s.locked_until > o.now) {
        d.action = "locked";
      } else if (s.purge_after <= o.now) {
        d.action = "purge";
      }
      report.deleted.push_back(std::move(d));
      continue;
    }
    if (s.locked_until > o.now) report.locked.push_back(LockedBackup{r, s.locked_until});
    retain_of[r.tag] = std::max(retain_of[r.tag], s.retain_until);
    lock_of[r.tag] = std::max(lock_of[r.tag], s.locked_until);
    active.push_back(std::move(r));
  }

  std::map<std::string, std::vector<BackupRecord>> records_of;
  for (const BackupRecord& r : active) records_of[r.tag].push_back(r);
  std::vector<ClusterBackup> tags = SummariseCluster(active);
  std::map<std::string, std::vector<retention::Candidate>> groups;
  std::map<std::string, Grouping> group_info;
  std::map<std::string, size_t> plan_of;  // tag -> index in report.tags
  for (const ClusterBackup& cb : tags) {
    TagPlan plan;
    plan.tag = cb.tag;
    plan.state = cb.state;
    plan.time = cb.started;
    plan.records = std::move(records_of[cb.tag]);
    std::optional<sched::SlotTagParts> slot = sched::ParseSlotTag(cb.tag);
    if (slot) {
      plan.policy = slot->policy;
      plan.time = slot->slot;  // the slot, not when a node started: periods do not move with jitter
    }
    Grouping g;
    if (o.rules && (o.policy.empty() || o.policy == plan.policy)) {
      g = Grouping{"rules", &*o.rules, o.time_zone};
    } else if (!o.rules && !plan.policy.empty() && (o.policy.empty() || o.policy == plan.policy)) {
      auto it = policies.find(plan.policy);
      if (it != policies.end() && retention::AnyRule(it->second.rules)) {
        g = Grouping{"policy:" + plan.policy, &it->second.rules, it->second.zone};
      } else {
        plan.reasons.push_back(it == policies.end() ? "policy " + plan.policy + " is not in the vault"
                                                    : "policy " + plan.policy + " has no retention rules");
      }
    } else {
      plan.reasons.push_back(plan.policy.empty() ? "made by no policy, and no rules given"
                                                 : "not selected (--policy " + o.policy + ")");
    }
    plan_of[cb.tag] = report.tags.size();
    report.tags.push_back(std::move(plan));
    if (g.rules == nullptr) continue;
    retention::Candidate c;
    c.tag = cb.tag;
    c.time = report.tags.back().time;
    // A tag whose records list no members (offline backups, records written before members were) is judged
    // as complete: nothing says a node is missing.
    c.complete = cb.state == "complete" || cb.state == "unknown";
    c.retain_until = retain_of[cb.tag];
    c.locked_until = lock_of[cb.tag];
    groups[g.key].push_back(std::move(c));
    group_info[g.key] = g;
  }
  for (auto& [key, candidates] : groups) {
    const Grouping& g = group_info[key];
    CV_ASSIGN_OR_RETURN(std::vector<retention::Decision> decisions,
                        retention::Decide(std::move(candidates), *g.rules, g.zone, o.now));
    for (retention::Decision& d : decisions) {
      TagPlan& plan = report.tags[plan_of.at(d.tag)];
      plan.keep = d.keep;
      plan.reasons = std::move(d.reasons);
    }
  }
  std::sort(report.tags.begin(), report.tags.end(), [](const TagPlan& a, const TagPlan& b) {
    return std::tie(a.time, a.tag) < std::tie(b.time, b.tag);
  });
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

Result<PruneReport> RunPrune(vault::Vault& vault, const PruneOptions& o, bool lease_held) {
  auto t0 = std::chrono::steady_clock::now();
  CV_RETURN_IF_ERROR(RequireAdmin(vault, "prune"));
  if (o.dry_run) return PlanPrune(vault, o);
  // Intent first: a prune whose audit record cannot be written does nothing (not even take the lease).
  auto trail = AuditTrail::For(vault, o.work_dir);
  AuditEvent event{"prune", {o.policy.empty() ? std::string("all") : "policy " + o.policy}, {}, ""};
  if (o.rules) event.details["rules"] = "from the command line";
  CV_ASSIGN_OR_RETURN(AuditIntent intent, trail->Begin(event));
  if (Status st = RequireDeleteRight(vault); !st.ok()) {
    (void)trail->Finish(intent, st);
    return st;
  }
  std::optional<vault::Lease> lease;
  auto take_lease = [&]() -> Status {
    if (lease_held) return Status::OK();
    std::string holder = LeaseHolderDescription("prune") + " (" + vault.OpenedBy() + ")";
    // A prune killed on this host left its lease behind: take over at once rather than at its expiry.
    CV_RETURN_IF_ERROR(
        vault::Lease::BreakStale(vault.objects(), vault.keys(), "maintenance", o.now, HolderIsDeadHere)
            .status());
    CV_ASSIGN_OR_RETURN(vault::Lease l, vault::Lease::Acquire(vault.objects(), vault.keys(), "maintenance",
                                                              holder, kLeaseTtlSeconds, o.now));
    lease.emplace(std::move(l));
    return Status::OK();
  };
  if (Status st = take_lease(); !st.ok()) {
    (void)trail->Finish(intent, st);
    return st;
  }
  int64_t renewed = o.now;
  auto keep_alive = [&]() -> Status {
    if (o.keep_alive) CV_RETURN_IF_ERROR(o.keep_alive());
    int64_t now = env::UnixNow();
    if (lease && now - renewed >= kLeaseTtlSeconds / 3) {
      CV_RETURN_IF_ERROR(lease->Renew(now));
      renewed = now;
    }
    return Status::OK();
  };
  auto run = [&]() -> Result<PruneReport> {
    CV_ASSIGN_OR_RETURN(PruneReport report, PlanPrune(vault, o));
    CV_ASSIGN_OR_RETURN(vault::VaultSettings settings, vault.settings().Current());
    int64_t purge_after = o.now;
    if (settings.soft_delete != "disabled") purge_after = o.now + settings.soft_delete_days * 86400;

    // 1. Forget what retention lets go: soft delete, as a hand's `forget` would.
    std::vector<BackupRecord> purge;
    for (const DeletedPlan& d : report.deleted) {
      if (d.action == "purge") purge.push_back(d.record);
    }
    std::vector<marks::Entry> forget;
    for (const TagPlan& t : report.tags) {
      if (t.keep) continue;
      for (const BackupRecord& r : t.records) {
        marks::Entry e;
        e.op = marks::Op::kForget;
        e.backup_id = r.backup_id;
        e.at = o.now;
        e.until = purge_after;
        e.reason = "retention: " + (t.reasons.empty() ? std::string("no rule keeps it") : t.reasons.front());
        e.by = "prune by " + vault.OpenedBy();
        forget.push_back(std::move(e));
        if (purge_after <= o.now) purge.push_back(r);
      }
    }
    if (!forget.empty()) CV_RETURN_IF_ERROR(vault.marks().Append(forget, o.now));
    report.forgotten = forget.size();
    CV_RETURN_IF_ERROR(keep_alive());

    // 2. Purge and collect garbage (vault/gc.h: two phases, `grace` apart).
    vault::GcOptions gc;
    gc.now = o.now;
    gc.grace_seconds = settings.prune_grace_seconds;
    gc.work_dir = o.work_dir + "/prune-" + vault.vault_id();
    gc.by = "prune by " + vault.OpenedBy();
    CV_ASSIGN_OR_RETURN(report.gc, vault::CollectGarbage(vault, purge, gc));
    report.purged = purge.size();
    CV_RETURN_IF_ERROR(keep_alive());

    // 3. Note what is gone, and keep the marks few.
    if (!purge.empty()) {
      std::vector<marks::Entry> purged;
      for (const BackupRecord& r : purge) {
        marks::Entry e;
        e.op = marks::Op::kPurged;
        e.backup_id = r.backup_id;
        e.at = o.now;
        e.by = "prune by " + vault.OpenedBy();
        purged.push_back(std::move(e));
      }
      CV_RETURN_IF_ERROR(vault.marks().Append(purged, o.now));
    }
    CV_RETURN_IF_ERROR(vault.marks().Compact(o.now));
    CV_RETURN_IF_ERROR(keep_alive());

    // 4. Locks the store enforces, for what is locked (docs/retention.md).
    CV_ASSIGN_OR_RETURN(report.store_locks,
                        ApplyStoreLocks(vault, report.locked, settings.immutability, o.work_dir));
    return report;
  };
  Result<PruneReport> r = run();
  nlohmann::json outcome = nlohmann::json::object();
  if (r.ok()) {
    outcome = {{"forgotten", r->forgotten},
               {"purged", r->purged},
               {"deleted_objects", r->gc.deleted_objects},
               {"deleted_bytes", r->gc.deleted_bytes}};
  }
  if (Status st = trail->Finish(intent, r.status(), outcome); !st.ok() && r.ok())
    r->gc.notes.push_back("audit: the outcome record was not written: " + st.ToString());
  // A checkpoint of every writer's head after each prune (CloudTrail's digests): a tail removed later shows.
  if (r.ok() && trail->enabled()) {
    if (auto cp = WriteAuditCheckpointNow(vault, "prune by " + vault.OpenedBy(), env::UnixNow()); !cp.ok())
      r->gc.notes.push_back("audit: no checkpoint written: " + cp.status().ToString());
  }
  if (lease) (void)lease->Release();
  if (r.ok()) r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace cv::ops
