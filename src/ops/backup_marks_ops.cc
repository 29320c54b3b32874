#include "ops/backup_marks_ops.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "core/vault_layout.h"
#include "ops/approvals.h"
#include "ops/audit_trail.h"
#include "ops/list.h"

namespace cv::ops {

namespace {

using marks::Entry;
using marks::Op;

constexpr size_t kMaxReason = 1024;

Status NeedsV2(vault::Vault& vault, std::string_view what) {
  if (vault.format() >= 2) return Status::OK();
  return Status::NotSupported(what,
                              "a format 1 vault has no admin key to sign backup marks; forget, undelete, "
                              "retain, lock and settings need a format 2 vault");
}

// Before anything is read or written: a writer key (on every node) decides nothing about backups.
Status RequireAdmin(vault::Vault& vault, std::string_view what) {
  CV_RETURN_IF_ERROR(NeedsV2(vault, what));
  const crypto::KeyBundle* b = vault.keys().bundle();
  if (b != nullptr && b->AdminSigner().ok()) return Status::OK();
  return Status::PermissionDenied(what, "needs an admin key of vault " + vault.store().Describe() +
                                            "; it was opened with a " +
                                            std::string(b ? crypto::KeyRoleName(b->role()) : "format 1") +
                                            " key, which nodes use to back up. Nothing was written");
}

std::string Day(int64_t t) { return layout::FormatTime(t); }

std::string LockText(const BackupRecord& r, const marks::BackupState& s) {
  return "backup " + r.backup_id + " (tag " + r.tag + ", " + r.address + ") is locked until " +
         Day(s.locked_until) + " (lock set by " + s.lock_by + " on " + Day(s.lock_at) + ")";
}

struct Targets {
  std::vector<BackupRecord> backups;
  marks::State state;
};

Result<Targets> Load(vault::Vault& vault, const std::string& what, const std::string& node) {
  Targets t;
  CV_ASSIGN_OR_RETURN(std::vector<BackupRecord> all, vault.ListBackups());
  CV_ASSIGN_OR_RETURN(t.backups, ResolveMarkTargets(all, what, node));
  CV_ASSIGN_OR_RETURN(t.state, vault.marks().Load());
  return t;
}

Entry Make(Op op, const BackupRecord& r, int64_t at, int64_t until, std::string reason,
           const std::string& by) {
  return Entry{op, r.backup_id, "", at, until, std::move(reason), by};
}

// A lock is lowered only with a guardian's approval, and never while the vault's immutability is locked:
// the marks' fold ignores a shorter lock that carries no approval, so without guardians there is no way.
Result<std::string> ApproveShortening(vault::Vault& vault, const approval::Operation& op,
                                      const std::string& current, int64_t now) {
  CV_ASSIGN_OR_RETURN(vault::VaultSettings settings, vault.settings().Current());
  if (settings.immutability == "locked") {
    return Status::FailedPrecondition(op.Canonical(), current +
                                                          "; the vault's immutability is locked, so no "
                                                          "lock is ever shortened. Nothing written");
  }
  if (settings.guardians.empty()) {
    auto until = op.params.find("until");
    const std::string change = until == op.params.end() ? "removed" : "shortened to " + until->second;
    return Status::FailedPrecondition(op.Canonical(),
                                      current + "; a lock cannot be " + change +
                                          " without a guardian's approval, and this vault has "
                                          "no guardian (`cassvault guardian add`, "
                                          "docs/approvals.md). Nothing written");
  }
  return RequireApproval(vault, op, now);
}

}  // namespace

Result<int64_t> ParseMarkDate(const std::string& flag, const std::string& text) {
  // An RFC 3339 offset ("+02:00", "-05:30") after a time: parse the local time, then move it to UTC.
  std::string base = text;
  int64_t offset = 0;
  if (text.size() > 16 && text.find_first_of("Tt") != std::string::npos) {
    const std::string tail = text.substr(text.size() - 6);
    if ((tail[0] == '+' || tail[0] == '-') && std::isdigit(static_cast<unsigned char>(tail[1])) &&
        std::isdigit(static_cast<unsigned char>(tail[2])) && tail[3] == ':' &&
        std::isdigit(static_cast<unsigned char>(tail[4])) &&
        std::isdigit(static_cast<unsigned char>(tail[5]))) {
      const int64_t h = (tail[1] - '0') * 10 + (tail[2] - '0'), m = (tail[4] - '0') * 10 + (tail[5] - '0');
      if (h > 23 || m > 59) {
        return Status::InvalidArgument(flag + " '" + text + "'", "has an offset out of range");
      }
      offset = (tail[0] == '+' ? 1 : -1) * (h * 3600 + m * 60);
      base = text.substr(0, text.size() - 6);
    }
  }
  auto t = ParseListTime(flag, base, false);
  if (!t.ok()) {
    return Status::InvalidArgument(flag + " '" + text + "'",
                                   "expected a date (2027-01-01, 00:00 UTC) or an RFC 3339 time "
                                   "(2027-01-01T12:00:00Z, 2027-01-01T12:00:00+02:00)");
  }
  return *t - offset;
}

Result<std::vector<BackupRecord>> ResolveMarkTargets(const std::vector<BackupRecord>& all,
                                                     const std::string& what, const std::string& node) {
  if (what.empty()) return Status::InvalidArgument("backup", "name a backup id or a tag (`cassvault list`)");
  ListFilter by_node;
  by_node.node = node;
  std::vector<BackupRecord> out;
  for (const BackupRecord& r : FilterRecords(all, by_node)) {
    if (r.backup_id == what || r.tag == what) out.push_back(r);
  }
  if (out.empty()) {
    return Status::NotFound("backup or tag " + what,
                            (node.empty() ? std::string() : "of node " + node + " ") +
                                "is not in the vault (`cassvault list` shows them; a "
                                "deleted one: `cassvault list --deleted`)");
  }
  return out;
}

static Result<MarkOutcome> ForgetMarks(vault::Vault& vault, const std::string& what, const std::string& node,
                                       const std::string& reason, const std::string& by, int64_t now) {
  CV_RETURN_IF_ERROR(RequireAdmin(vault, "forget " + what));
  // Every reader reads every mark: a reason stays a line, not a document.
  if (reason.size() > kMaxReason) {
    return Status::InvalidArgument("--reason", "is " + std::to_string(reason.size()) + " bytes; at most " +
                                                   std::to_string(kMaxReason) + ". Nothing written");
  }
  CV_ASSIGN_OR_RETURN(Targets t, Load(vault, what, node));
  CV_ASSIGN_OR_RETURN(vault::VaultSettings settings, vault.settings().Current());
  MarkOutcome out;
  out.until = settings.soft_delete == "disabled" ? now : now + settings.soft_delete_days * 86400;
  // Every lock first: a tag is forgotten whole or not at all.
  for (const BackupRecord& r : t.backups) {
    marks::BackupState s = t.state.Of(r.backup_id, r.tag);
    if (s.locked_until > now) {
      return Status::FailedPrecondition("forget " + what, LockText(r, s) + "; nothing forgotten");
    }
  }
  std::vector<Entry> entries;
  for (const BackupRecord& r : t.backups) {
    marks::BackupState s = t.state.Of(r.backup_id, r.tag);
    if (s.purged || s.deleted) {
      out.skipped.push_back(r.backup_id + ": already deleted on " + Day(s.deleted_at));
      continue;
    }
    entries.push_back(Make(Op::kForget, r, now, out.until, reason.empty() ? "forget by hand" : reason, by));
    out.backups.push_back(r);
  }
  if (entries.empty()) {
    return Status::FailedPrecondition("forget " + what,
                                      "every backup it names is deleted already (`cassvault "
                                      "list --deleted`); nothing written");
  }
  CV_RETURN_IF_ERROR(vault.marks().Append(std::move(entries), now));
  return out;
}

static Result<MarkOutcome> UndeleteMarks(vault::Vault& vault, const std::string& what,
                                         const std::string& node, const std::string& by, int64_t now) {
  CV_RETURN_IF_ERROR(RequireAdmin(vault, "undelete " + what));
  CV_ASSIGN_OR_RETURN(Targets t, Load(vault, what, node));
  MarkOutcome out;
  std::vector<Entry> entries;
  for (const BackupRecord& r : t.backups) {
    marks::BackupState s = t.state.Of(r.backup_id, r.tag);
    if (s.purged) {
      return Status::NotFound("undelete " + what, "backup " + r.backup_id + " was purged on " +
                                                      Day(s.purged_at) +
                                                      "; its data is gone. Nothing undeleted");
    }
    if (!s.deleted) {
      out.skipped.push_back(r.backup_id + ": not deleted");
      continue;
    }
    entries.push_back(Make(Op::kUndelete, r, now, 0, "undelete", by));
    out.backups.push_back(r);
  }
  if (entries.empty()) {
    return Status::FailedPrecondition("undelete " + what, "no backup it names is deleted; nothing written");
  }
  CV_RETURN_IF_ERROR(vault.marks().Append(std::move(entries), now));
  return out;
}

static Result<MarkOutcome> RetainMarks(vault::Vault& vault, const std::string& what, const std::string& node,
                                       int64_t until, const std::string& by, int64_t now) {
  CV_RETURN_IF_ERROR(RequireAdmin(vault, "retain " + what));
  if (until <= now) {
    return Status::InvalidArgument("--until " + Day(until), "is not in the future; nothing written");
  }
  CV_ASSIGN_OR_RETURN(Targets t, Load(vault, what, node));
  MarkOutcome out;
  out.until = until;
  std::vector<Entry> entries;
  for (const BackupRecord& r : t.backups) {
    entries.push_back(Make(Op::kRetain, r, now, until, "retain until " + Day(until), by));
    out.backups.push_back(r);
  }
  CV_RETURN_IF_ERROR(vault.marks().Append(std::move(entries), now));
  return out;
}

static Result<MarkOutcome> LockMarks(vault::Vault& vault, const std::string& what, const std::string& node,
                                     const std::string& policy, int64_t until, const std::string& by,
                                     int64_t now) {
  const std::string subject = "lock " + (policy.empty() ? what : "policy " + policy);
  CV_RETURN_IF_ERROR(RequireAdmin(vault, subject));
  if (until <= now)
    return Status::InvalidArgument("--until " + Day(until), "is not in the future; nothing written");
  if (policy.empty() == what.empty()) {
    return Status::InvalidArgument(subject, "name either a backup or tag, or --policy NAME");
  }
  MarkOutcome out;
  out.until = until;
  if (!policy.empty()) {
    if (!layout::IsValidObjectName(policy))
      return Status::InvalidArgument("--policy " + policy, "must be 1-48 letters, digits, '_' or '-'");
    CV_ASSIGN_OR_RETURN(marks::State state, vault.marks().Load());
    std::string approval_id;
    if (int64_t cur = state.PolicyLock(policy); cur > until) {
      CV_ASSIGN_OR_RETURN(approval_id,
                          ApproveShortening(vault, approval::PolicyLockShorten(policy, until),
                                            "policy " + policy + " is locked until " + Day(cur), now));
    }
    Entry e{Op::kLock, "", policy, now, until, approval_id.empty() ? "lock" : "lock shortened", by};
    e.approval = approval_id;
    out.approval_id = approval_id;
    CV_RETURN_IF_ERROR(vault.marks().Append({e}, now));
    return out;
  }
  CV_ASSIGN_OR_RETURN(Targets t, Load(vault, what, node));
  std::string approval_id, shortened;
  std::vector<std::string> ids;
  for (const BackupRecord& r : t.backups) {
    marks::BackupState s = t.state.Of(r.backup_id, r.tag);
    ids.push_back(r.backup_id);
    if (s.locked_until > until && shortened.empty()) shortened = LockText(r, s);
  }
  if (!shortened.empty()) {
    CV_ASSIGN_OR_RETURN(approval_id,
                        ApproveShortening(vault, approval::LockShorten(ids, until), shortened, now));
  }
  out.approval_id = approval_id;
  std::vector<Entry> entries;
  for (const BackupRecord& r : t.backups) {
    Entry e = Make(Op::kLock, r, now, until, approval_id.empty() ? "lock" : "lock shortened", by);
    e.approval = approval_id;
    entries.push_back(std::move(e));
    out.backups.push_back(r);
  }
  CV_RETURN_IF_ERROR(vault.marks().Append(std::move(entries), now));
  return out;
}

static Result<MarkOutcome> UnlockMarks(vault::Vault& vault, const std::string& what, const std::string& node,
                                       const std::string& policy, const std::string& by, int64_t now) {
  const std::string subject = "unlock " + (policy.empty() ? what : "policy " + policy);
  CV_RETURN_IF_ERROR(RequireAdmin(vault, subject));
  if (policy.empty() == what.empty()) {
    return Status::InvalidArgument(subject, "name either a backup or tag, or --policy NAME");
  }
  MarkOutcome out;
  if (!policy.empty()) {
    if (!layout::IsValidObjectName(policy))
      return Status::InvalidArgument("--policy " + policy, "must be 1-48 letters, digits, '_' or '-'");
    CV_ASSIGN_OR_RETURN(marks::State state, vault.marks().Load());
    const int64_t cur = state.PolicyLock(policy);
    if (cur <= now) {
      return Status::FailedPrecondition(subject, "policy " + policy + " is not locked; nothing written");
    }
    CV_ASSIGN_OR_RETURN(std::string id,
                        ApproveShortening(vault, approval::PolicyLockRemove(policy),
                                          "policy " + policy + " is locked until " + Day(cur), now));
    Entry e{Op::kLock, "", policy, now, 0, "unlock", by};
    e.approval = id;
    out.approval_id = id;
    CV_RETURN_IF_ERROR(vault.marks().Append({e}, now));
    return out;
  }
  CV_ASSIGN_OR_RETURN(Targets t, Load(vault, what, node));
  std::vector<std::string> ids;
  std::string current;
  for (const BackupRecord& r : t.backups) {
    marks::BackupState s = t.state.Of(r.backup_id, r.tag);
    if (s.locked_until <= now) {
      out.skipped.push_back(r.backup_id + ": not locked");
      continue;
    }
    if (current.empty()) current = LockText(r, s);
    ids.push_back(r.backup_id);
    out.backups.push_back(r);
  }
  if (ids.empty())
    return Status::FailedPrecondition(subject, "no backup it names is locked; nothing written");
  CV_ASSIGN_OR_RETURN(std::string id, ApproveShortening(vault, approval::LockRemove(ids), current, now));
  out.approval_id = id;
  std::vector<Entry> entries;
  for (const BackupRecord& r : out.backups) {
    Entry e = Make(Op::kLock, r, now, 0, "unlock", by);
    e.approval = id;
    entries.push_back(std::move(e));
  }
  CV_RETURN_IF_ERROR(vault.marks().Append(std::move(entries), now));
  return out;
}

static Result<MarkOutcome> PurgeEarlyMarks(vault::Vault& vault, const std::string& what,
                                           const std::string& node, const std::string& by, int64_t now) {
  const std::string subject = "purge " + what;
  CV_RETURN_IF_ERROR(RequireAdmin(vault, subject));
  CV_ASSIGN_OR_RETURN(Targets t, Load(vault, what, node));
  MarkOutcome out;
  out.until = now;
  std::vector<std::string> ids;
  for (const BackupRecord& r : t.backups) {
    marks::BackupState s = t.state.Of(r.backup_id, r.tag);
    if (s.locked_until > now)
      return Status::FailedPrecondition(subject, LockText(r, s) + "; nothing written");
    if (!s.deleted) {
      return Status::FailedPrecondition(subject, "backup " + r.backup_id +
                                                     " is not deleted; `cassvault "
                                                     "forget` it first. Nothing written");
    }
    if (s.purged || s.purge_after <= now) {
      out.skipped.push_back(r.backup_id +
                            (s.purged ? ": purged already" : ": its soft delete is over already"));
      continue;
    }
    ids.push_back(r.backup_id);
    out.backups.push_back(r);
  }
  if (ids.empty()) {
    return Status::FailedPrecondition(subject, "no backup it names waits in soft delete; nothing written");
  }
  CV_ASSIGN_OR_RETURN(vault::VaultSettings settings, vault.settings().Current());
  if (settings.guardians.empty()) {
    return Status::FailedPrecondition(subject,
                                      "ending a soft delete early needs a guardian's approval, and "
                                      "this vault has no guardian (`cassvault guardian add`, "
                                      "docs/approvals.md). Nothing written");
  }
  CV_ASSIGN_OR_RETURN(std::string id, RequireApproval(vault, approval::PurgeEarly(ids), now));
  out.approval_id = id;
  std::vector<Entry> entries;
  for (const BackupRecord& r : out.backups) {
    marks::BackupState s = t.state.Of(r.backup_id, r.tag);
    Entry e = Make(Op::kForget, r, now, now, s.reason.empty() ? "purge early" : s.reason, by);
    e.approval = id;
    entries.push_back(std::move(e));
  }
  CV_RETURN_IF_ERROR(vault.marks().Append(std::move(entries), now));
  return out;
}

Status CheckStoreEnforcesLocks(storage::ObjectStore& store) {
  const std::string where = store.Describe();
  // A local directory: cassvault enforces the locks itself (docs/retention.md says what that cannot stop).
  if (where.rfind("file://", 0) == 0) return Status::OK();
  CV_ASSIGN_OR_RETURN(storage::LockSupport support, store.ProbeLocks());
  if (support.object_lock) return Status::OK();
  return Status::FailedPrecondition("immutability on " + where,
                                    "the store does not enforce retention locks (" + support.detail +
                                        "): create the bucket with Object Lock (S3) or the container with "
                                        "version-level immutability (Azure), then run this again. Nothing "
                                        "written");
}

static Result<vault::VaultSettings> ChangeVaultSettings(vault::Vault& vault, const SettingsChange& change,
                                                        const std::string& by, int64_t now) {
  CV_RETURN_IF_ERROR(RequireAdmin(vault, "settings"));
  CV_ASSIGN_OR_RETURN(const vault::VaultSettings current, vault.settings().Current());
  vault::VaultSettings next = current;
  const std::string before = next.immutability;
  if (change.soft_delete) next.soft_delete = *change.soft_delete;
  if (change.soft_delete_days) next.soft_delete_days = *change.soft_delete_days;
  if (change.immutability) next.immutability = *change.immutability;
  if (change.prune_grace_seconds) next.prune_grace_seconds = *change.prune_grace_seconds;
  CV_RETURN_IF_ERROR(vault::CheckSettings(next).Annotate("settings; nothing was written"));
  if (next.immutability != "disabled" && next.immutability != before) {
    CV_RETURN_IF_ERROR(CheckStoreEnforcesLocks(vault.store()));
  }
  // The two-person rule: turning soft delete off, or immutability from unlocked to disabled, needs a
  // guardian's approval of exactly that change (one such change per command).
  std::vector<approval::Operation> guarded = vault::GuardedChanges(current, next);
  if (guarded.size() > 1) {
    return Status::InvalidArgument("settings",
                                   "turn soft delete off and immutability off in two commands, "
                                   "each with its own approval. Nothing written");
  }
  next.approval.clear();
  if (!guarded.empty()) {
    CV_ASSIGN_OR_RETURN(next.approval, RequireApproval(vault, guarded[0], now));
  }
  return vault.settings().Set(next, by, now);
}

Result<marks::State> LoadMarks(vault::Vault& vault) {
  if (vault.format() < 2) return marks::State{};
  return vault.marks().Load();
}

std::vector<BackupRecord> ApplyMarks(std::vector<BackupRecord> records, const marks::State& state,
                                     bool deleted, std::map<std::string, marks::BackupState>* states) {
  std::erase_if(records, [&](const BackupRecord& r) {
    marks::BackupState s = state.Of(r.backup_id, r.tag);
    const bool gone = s.deleted || s.purged;
    if (deleted && s.deleted && !s.purged && states) (*states)[r.backup_id] = s;
    return deleted ? !(s.deleted && !s.purged) : gone;
  });
  return records;
}

Status RefuseDeletedBackup(vault::Vault& vault, const BackupRecord& record) {
  if (vault.format() < 2) return Status::OK();
  CV_ASSIGN_OR_RETURN(marks::State state, vault.marks().Load());
  marks::BackupState s = state.Of(record.backup_id, record.tag);
  if (s.purged) {
    return Status::NotFound("backup " + record.backup_id,
                            "was purged on " + Day(s.purged_at) + "; its data is gone. Nothing restored");
  }
  if (s.deleted) {
    return Status::FailedPrecondition(
        "backup " + record.backup_id,
        "was deleted on " + Day(s.deleted_at) + " by " + s.by + " (" + s.reason + "); `cassvault undelete " +
            record.backup_id + "` brings it back until " + Day(s.purge_after) + ". Nothing restored");
  }
  return Status::OK();
}

// --- The audit trail (ops/audit_trail.h): every change here is recorded; a change that could destroy or
// shorten protection (forget, retain, lock, settings) writes its intent first and is refused without it.
namespace {

bool HoldsAdminKey(vault::Vault& v) {
  const crypto::KeyBundle* b = v.keys().bundle();
  return b != nullptr && b->AdminSigner().ok();
}

std::vector<std::string> Ids(const MarkOutcome& o) {
  std::vector<std::string> ids;
  for (const BackupRecord& r : o.backups) ids.push_back(r.backup_id);
  return ids;
}

template <typename T, typename Fn>
Result<T> Audited(vault::Vault& v, const AuditEvent& e, bool intent_first, Fn run,
                  const std::function<nlohmann::json(const T&)>& details) {
  auto trail = AuditTrail::For(v);
  if (!intent_first || !HoldsAdminKey(v)) {  // a writer key is refused by `run` before anything is written
    Result<T> r = run();
    AuditEvent done = e;
    if (r.ok()) done.details.update(details(*r));
    RecordOrWarn(*trail, v, done, r.status());
    return r;
  }
  CV_ASSIGN_OR_RETURN(AuditIntent intent, trail->Begin(e));
  Result<T> r = run();
  FinishOrWarn(*trail, v, intent, r.status(), r.ok() ? details(*r) : nlohmann::json::object());
  return r;
}

nlohmann::json MarkDetails(const MarkOutcome& o) {
  nlohmann::json j = {{"backups", Ids(o)}, {"skipped", o.skipped.size()}};
  if (o.until) j["until"] = layout::FormatTime(o.until);
  if (!o.approval_id.empty()) j["approval"] = o.approval_id;  // the guardian's approval that allowed it
  return j;
}

}  // namespace

Result<MarkOutcome> Forget(vault::Vault& vault, const std::string& what, const std::string& node,
                           const std::string& reason, const std::string& by, int64_t now) {
  return Audited<MarkOutcome>(
      vault, {"forget", {what}, {{"node", node}, {"reason", reason}}, ""}, true,
      [&] { return ForgetMarks(vault, what, node, reason, by, now); }, MarkDetails);
}

Result<MarkOutcome> Undelete(vault::Vault& vault, const std::string& what, const std::string& node,
                             const std::string& by, int64_t now) {
  return Audited<MarkOutcome>(
      vault, {"undelete", {what}, {{"node", node}}, ""}, false,
      [&] { return UndeleteMarks(vault, what, node, by, now); }, MarkDetails);
}

Result<MarkOutcome> Retain(vault::Vault& vault, const std::string& what, const std::string& node,
                           int64_t until, const std::string& by, int64_t now) {
  return Audited<MarkOutcome>(
      vault, {"retain", {what}, {{"node", node}, {"until", layout::FormatTime(until)}}, ""}, true,
      [&] { return RetainMarks(vault, what, node, until, by, now); }, MarkDetails);
}

Result<MarkOutcome> Lock(vault::Vault& vault, const std::string& what, const std::string& node,
                         const std::string& policy, int64_t until, const std::string& by, int64_t now) {
  AuditEvent e{"lock",
               {policy.empty() ? what : "policy " + policy},
               {{"node", node}, {"until", layout::FormatTime(until)}},
               ""};
  return Audited<MarkOutcome>(
      vault, e, true, [&] { return LockMarks(vault, what, node, policy, until, by, now); }, MarkDetails);
}

Result<vault::VaultSettings> ChangeSettings(vault::Vault& vault, const SettingsChange& change,
                                            const std::string& by, int64_t now) {
  nlohmann::json asked = nlohmann::json::object();
  if (change.soft_delete) asked["soft_delete"] = *change.soft_delete;
  if (change.soft_delete_days) asked["soft_delete_days"] = *change.soft_delete_days;
  if (change.immutability) asked["immutability"] = *change.immutability;
  if (change.prune_grace_seconds) asked["prune_grace_seconds"] = *change.prune_grace_seconds;
  return Audited<vault::VaultSettings>(
      vault, {"settings", {"vault"}, {{"asked", asked}}, ""}, true,
      [&] { return ChangeVaultSettings(vault, change, by, now); },
      [](const vault::VaultSettings& s) {
        nlohmann::json j{{"version", s.version}};
        if (!s.approval.empty()) j["approval"] = s.approval;
        return j;
      });
}

Result<MarkOutcome> Unlock(vault::Vault& vault, const std::string& what, const std::string& node,
                           const std::string& policy, const std::string& by, int64_t now) {
  return Audited<MarkOutcome>(
      vault, {"unlock", {policy.empty() ? what : "policy " + policy}, {{"node", node}}, ""}, true,
      [&] { return UnlockMarks(vault, what, node, policy, by, now); }, MarkDetails);
}

Result<MarkOutcome> PurgeEarly(vault::Vault& vault, const std::string& what, const std::string& node,
                               const std::string& by, int64_t now) {
  return Audited<MarkOutcome>(
      vault, {"purge.early", {what}, {{"node", node}}, ""}, true,
      [&] { return PurgeEarlyMarks(vault, what, node, by, now); }, MarkDetails);
}

}  // namespace cv::ops
