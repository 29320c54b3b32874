#include "ops/daemon.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "core/policy.h"
#include "core/schedule.h"
#include "core/vault_layout.h"
#include "crypto/key_slot.h"
#include "env/clock.h"
#include "env/private_file.h"
#include "ops/lease_holder.h"
#include "ops/maintain.h"
#include "ops/node_session.h"
#include "ops/policy_file.h"
#include "ops/policy_run.h"
#include "ops/prune.h"
#include "ops/run_lock.h"
#include "ops/slot_plan.h"
#include "vault/lease.h"
#include "vault/policy_store.h"
#include "vault/run_log.h"

namespace cv::ops {
namespace {

using nlohmann::json;

using env::UnixNow;

// The lease outlives a few missed renewals (the daemon renews it every kLeaseRenewSeconds between runs),
// and a dead holder blocks another maintenance host for at most this long.
constexpr int64_t kLeaseTtlSeconds = 900;
constexpr int64_t kLeaseRenewSeconds = 300;

struct Pending {
  int64_t slot = 0, start_at = 0, deadline = 0;
  int attempts = 0;
  std::optional<SlotRun> run;
};

struct Live {
  policy::Policy policy;
  uint32_t version = 0;
  std::string source;  // "vault" or the policy file
  std::optional<Pending> pending;
  int64_t next_check = 0;  // when ChooseSlot looks again (0: now)
};

class Daemon {
 public:
  Daemon(const std::function<Result<Config>()>& load_config, const DaemonOptions& o, DaemonControl& control,
         const DaemonLog& log)
      : load_config_(load_config), o_(o), control_(control), log_(log) {}

  Status Run();

 private:
  void Log(const std::string& level, const std::string& op, json fields) {
    fields["ts"] = layout::FormatTime(UnixNow());
    fields["level"] = level;
    fields["op"] = op;
    log_(std::move(fields));
  }
  Status Open(Config cfg);
  void Reload();
  void PollPolicies();
  void Apply(const std::string& name, policy::Policy p, uint32_t version, const std::string& source,
             const std::string& set_by);
  void Serve(Live& l, int64_t now);
  void Attempt(Live& l);
  void Finish(Live& l, const AttemptResult& last);
  void Maintain(int64_t now);
  void Prune();
  void SaveState() {
    if (Status st = state_.Save(); !st.ok()) Log("warn", "state", {{"error", st.ToString()}});
  }
  // The vault's problem log is cumulative: each problem is logged once.
  void LogNewProblems() {
    for (const auto& pr : vault_->Problems()) {
      if (warned_.insert(pr.object + "\n" + pr.problem).second)
        Log("warn", "vault", {{"object", pr.object}, {"error", pr.problem}});
    }
  }
  void WarnRunLog(const Status& st) {
    if (!st.ok()) Log("warn", "run_record", {{"error", RunErrorText(st)}});
  }
  int64_t Draw(int64_t jitter) {
    if (jitter <= 0) return 0;
    return std::uniform_int_distribution<int64_t>(0, jitter)(rng_);
  }

  std::function<Result<Config>()> load_config_;
  DaemonOptions o_;
  DaemonControl& control_;
  DaemonLog log_;
  Config config_;
  std::unique_ptr<vault::Vault> vault_;
  DaemonState state_;
  NodeIdent node_;
  std::map<std::string, Live> live_;
  std::map<std::string, vault::PolicyVersion> known_;  // PolicyStore::Poll's cache
  std::set<std::string> warned_;
  int64_t next_poll_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
  // maintenance
  std::optional<vault::Lease> lease_;
  int64_t lease_renewed_ = 0, next_lease_try_ = 0, next_maintain_ = 0;
};

// Opens the vault `cfg` names and checks the role; the daemon's config, vault and state change only when
// everything succeeded (a SIGHUP with a broken config keeps the daemon as it was).
Status Daemon::Open(Config cfg) {
  CV_ASSIGN_OR_RETURN(std::unique_ptr<vault::Vault> v, OpenVault(cfg));
  v->SetIndexCacheDir(cfg.cache_dir);
  if (o_.maintenance) {
    const crypto::KeyBundle* bundle = v->keys().bundle();
    if (bundle == nullptr)
      return Status::NotSupported("daemon --maintenance",
                                  "a format 1 vault has no admin key to sign the maintenance lease; run "
                                  "`cassvault maintain` from one host's scheduler instead");
    if (bundle->role() != crypto::KeyRole::kAdmin)
      return Status::PermissionDenied(
          "daemon --maintenance", "needs the vault's admin key (this key slot is a " +
                                      std::string(crypto::KeyRoleName(bundle->role())) +
                                      " key); ordinary nodes run `cassvault daemon` without --maintenance");
  } else if (cfg.daemon.policy_files.empty() && v->format() < 2) {
    return Status::NotSupported("daemon",
                                "a format 1 vault has no admin key to sign policies; use a node-local policy "
                                "file (daemon.policy_files in the config, docs/policies.md)");
  }
  if (lease_) {
    // Held through the vault being replaced: released first, taken again through the new one.
    if (Status st = lease_->Release(); !st.ok()) Log("warn", "lease", {{"error", st.ToString()}});
    lease_.reset();
  }
  vault_ = std::move(v);
  config_ = std::move(cfg);
  std::string problem;
  state_ = DaemonState::Load(config_.cache_dir + "/" + vault_->vault_id() + ".daemon.json", &problem);
  if (!problem.empty()) Log("warn", "state", {{"error", problem}});
  known_.clear();
  next_poll_ = 0;
  return Status::OK();
}

// SIGHUP. The vault stays open when the config names the same vault and key: a passphrase was consumed from
// the environment at the start (ops/config.h) and cannot be read again.
void Daemon::Reload() {
  Log("info", "reload", {});
  auto cfg = load_config_();
  if (!cfg.ok()) {
    Log("error", "reload", {{"error", cfg.status().ToString()}});
    return;
  }
  bool same_vault = cfg->vault_url == config_.vault_url && cfg->key_file == config_.key_file &&
                    cfg->passphrase_env == config_.passphrase_env && cfg->cache_dir == config_.cache_dir;
  if (same_vault) {
    config_ = std::move(cfg).value();
    next_poll_ = 0;
    return;
  }
  if (Status st = Open(std::move(cfg).value()); !st.ok()) {
    Log("error", "reload", {{"error", st.ToString()}, {"kept", "the vault opened before"}});
  }
  next_poll_ = 0;
}

void Daemon::Apply(const std::string& name, policy::Policy p, uint32_t version, const std::string& source,
                   const std::string& set_by) {
  auto it = live_.find(name);
  if (it != live_.end() && it->second.version == version && it->second.source == source &&
      policy::PolicyToJson(it->second.policy) == policy::PolicyToJson(p))
    return;
  json line = {{"policy", name}, {"version", version}, {"source", source}, {"state", "loaded"}};
  if (!set_by.empty()) line["set_by"] = set_by;
  if (!p.enabled) line["state"] = "disabled";
  Log("info", "policy", line);
  if (it == live_.end()) {
    Live l;
    l.policy = std::move(p);
    l.version = version;
    l.source = source;
    live_.emplace(name, std::move(l));
    return;
  }
  Live& l = it->second;
  bool same_schedule = l.policy.cron == p.cron && l.policy.time_zone == p.time_zone &&
                       l.policy.windows == p.windows && l.policy.jitter == p.jitter;
  l.policy = std::move(p);
  l.version = version;
  l.source = source;
  // A slot not yet attempted is chosen again under the new schedule; one in progress keeps its slot
  // and takes the new selection at its next attempt.
  if (!same_schedule && l.pending && l.pending->attempts == 0) l.pending.reset();
  l.next_check = 0;
}

void Daemon::PollPolicies() {
  std::set<std::string> seen;
  if (!config_.daemon.policy_files.empty()) {
    for (const auto& path : config_.daemon.policy_files) {
      auto p = LoadPolicyFile(path);
      if (!p.ok()) {
        Log("error", "policy", {{"source", path}, {"error", p.status().ToString()}});
        // The file's last good version (if any) stays in force: a typo must not stop the backups.
        for (const auto& [n, l] : live_)
          if (l.source == path) seen.insert(n);
        continue;
      }
      std::string name = p->name;
      seen.insert(name);
      Apply(name, std::move(p).value(), 0, path, "");
    }
  } else {
    auto current = vault_->policies().Poll(&known_);
    LogNewProblems();
    if (!current.ok()) {
      Log("error", "poll", {{"error", current.status().ToString()}});
      for (const auto& [n, l] : live_) seen.insert(n);  // keep what we had; try again next poll
    } else {
      for (const auto& v : *current) {
        auto p = policy::PolicyFromJson(v.body, "policy " + v.name + " version " + std::to_string(v.version));
        if (!p.ok()) {
          Log("error", "policy",
              {{"policy", v.name}, {"version", v.version}, {"error", p.status().ToString()}});
          if (live_.count(v.name)) seen.insert(v.name);
          continue;
        }
        seen.insert(v.name);
        Apply(v.name, std::move(p).value(), v.version, "vault", v.set_by);
      }
    }
  }
  for (auto it = live_.begin(); it != live_.end();) {
    if (seen.count(it->first) || (it->second.pending && it->second.pending->attempts > 0)) {
      ++it;
      continue;
    }
    Log("info", "policy", {{"policy", it->first}, {"version", it->second.version}, {"state", "removed"}});
    it = live_.erase(it);
  }
}

void Daemon::Serve(Live& l, int64_t now) {
  if (!l.policy.enabled) return;
  const std::string& name = l.policy.name;
  if (!l.pending && now >= l.next_check) {
    SlotChoice c =
        ChooseSlot(l.policy.schedule, state_.Last(name), now, Draw(l.policy.schedule.jitter_seconds));
    if (c.missed > 0) {
      std::string why = "missed " + std::to_string(c.missed) + (c.missed >= kMaxMissedCount ? "+" : "") +
                        " slot(s) from " + sched::SlotTag(name, c.first_missed) + " to " +
                        sched::SlotTag(name, c.last_missed) +
                        " while this node's daemon was not running (or past their deadline); only the latest "
                        "slot still before its deadline is caught up";
      WarnRunLog(SlotRun::WriteSkipped(vault_->runs(), l.policy, l.version, c.last_missed, node_, now, why));
      Log("warn", "run",
          {{"policy", name},
           {"tag", sched::SlotTag(name, c.last_missed)},
           {"state", "skipped"},
           {"missed", c.missed},
           {"error", why}});
      state_.SetLast(name, c.last_missed);
      SaveState();
    }
    if (c.run) {
      l.pending = Pending{*c.run, c.start_at, c.deadline, 0, std::nullopt};
    } else {
      l.next_check = c.next ? *c.next : now + 3600;
    }
  }
  if (l.pending && now >= l.pending->start_at) Attempt(l);
}

void Daemon::Attempt(Live& l) {
  Pending& p = *l.pending;
  const std::string tag = sched::SlotTag(l.policy.name, p.slot);
  auto lock = RunLock::Acquire(
      config_.cache_dir, "daemon backup " + tag,
      [&](const std::string& holder) {
        Log("info", "wait",
            {{"policy", l.policy.name},
             {"tag", tag},
             {"holder", holder},
             {"message", "another cassvault (" + (holder.empty() ? std::string("holder unknown") : holder) +
                             ") is running a backup on this node; waiting"}});
      },
      &control_.stop);
  if (!lock.ok()) {
    if (control_.stop.load()) return;  // stopping: the slot stays unhandled, a restart may still run it
    AttemptResult failed;
    failed.state = "failed";
    failed.error = lock.status();
    ++p.attempts;
    if (!p.run) {
      Status w;
      auto run = SlotRun::Begin(vault_->runs(), l.policy, l.version, p.slot, node_, UnixNow(), &w);
      WarnRunLog(w);
      if (run.ok()) p.run.emplace(std::move(run).value());
    }
    Finish(l, failed);
    return;
  }
  int64_t now = UnixNow();
  if (now >= p.deadline) {
    AttemptResult late;
    late.state = "failed";
    late.error = Status(
        StatusCode::kDeadlineExceeded, "slot " + tag,
        "the run lock was free only after the slot's deadline (" + layout::FormatTime(p.deadline) + ")");
    if (!p.run) {
      Status w;
      auto run = SlotRun::Begin(vault_->runs(), l.policy, l.version, p.slot, node_, now, &w);
      WarnRunLog(w);
      if (run.ok()) p.run.emplace(std::move(run).value());
    }
    Finish(l, late);
    return;
  }
  if (node_.host_id.empty()) node_ = ReadNodeIdent(config_);
  if (!p.run) {
    Status w;
    auto run = SlotRun::Begin(vault_->runs(), l.policy, l.version, p.slot, node_, now, &w);
    WarnRunLog(w);
    if (run.ok())
      p.run.emplace(std::move(run).value());
    else
      WarnRunLog(run.status());
  }
  AttemptResult r = AttemptPolicySlot(config_, *vault_, l.policy, p.slot, node_, &control_.stop);
  ++p.attempts;
  LogNewProblems();
  for (const std::string& w : r.warnings) Log("warn", "backup", {{"policy", l.policy.name}, {"warning", w}});
  if (r.state == "failed" && r.record.backup_id.empty()) {
    if (auto next = NextAttempt(UnixNow(), p.attempts, p.deadline)) {
      Log("warn", "attempt",
          {{"policy", l.policy.name},
           {"tag", tag},
           {"attempts", p.attempts},
           {"error", RunErrorText(r.error)},
           {"retry_at", layout::FormatTime(*next)}});
      p.start_at = *next;
      return;
    }
  }
  Finish(l, r);
}

void Daemon::Finish(Live& l, const AttemptResult& last) {
  Pending& p = *l.pending;
  int64_t now = UnixNow();
  if (p.run) WarnRunLog(p.run->Finish(last, p.attempts, now));
  json line = {{"policy", l.policy.name},
               {"policy_version", l.version},
               {"tag", sched::SlotTag(l.policy.name, p.slot)},
               {"state", last.state},
               {"backup_id", last.record.backup_id},
               {"seconds", last.seconds},
               {"attempts", p.attempts},
               {"error", last.error.ok() ? "" : RunErrorText(last.error)}};
  if (p.run) line["run_id"] = p.run->record().run_id;
  if (l.policy.after_success == "verify") line["verified"] = last.verified;
  Log(last.state == "succeeded" || last.state == "skipped" ? "info" : "error", "run", line);
  // An abandoned slot (the daemon was stopped) stays unhandled: a restart before its deadline runs it.
  if (last.state != "abandoned") {
    state_.SetLast(l.policy.name, p.slot);
    SaveState();
  }
  l.pending.reset();
  l.next_check = 0;
}

void Daemon::Maintain(int64_t now) {
  if (!lease_ && now >= next_lease_try_) {
    std::string holder = LeaseHolderDescription("daemon --maintenance");
    (void)vault::Lease::BreakStale(vault_->objects(), vault_->keys(), "maintenance", now, HolderIsDeadHere);
    auto l = vault::Lease::Acquire(vault_->objects(), vault_->keys(), "maintenance", holder, kLeaseTtlSeconds,
                                   now);
    if (l.ok()) {
      lease_.emplace(std::move(l).value());
      lease_renewed_ = now;
      Log("info", "lease", {{"lease", "maintenance"}, {"state", "acquired"}, {"ttl", kLeaseTtlSeconds}});
    } else {
      Log("info", "lease",
          {{"lease", "maintenance"}, {"state", "waiting"}, {"error", l.status().ToString()}});
      next_lease_try_ = now + config_.daemon.poll_interval_seconds;
      return;
    }
  }
  if (!lease_) return;
  if (now - lease_renewed_ >= kLeaseRenewSeconds) {
    if (Status st = lease_->Renew(now); !st.ok()) {
      Log("error", "lease", {{"lease", "maintenance"}, {"state", "lost"}, {"error", st.ToString()}});
      lease_.reset();
      next_lease_try_ = now + config_.daemon.poll_interval_seconds;
      return;
    }
    lease_renewed_ = now;
  }
  if (now < next_maintain_) return;
  auto r = RunMaintain(*vault_);
  if (!r.ok()) {
    Log("error", "maintain", {{"error", r.status().ToString()}});
  } else {
    Log("info", "maintain",
        {{"catalog_written", r->catalog.key},
         {"records", r->catalog.records},
         {"seconds", r->seconds},
         {"supported", r->catalog_supported}});
  }
  Prune();
  next_maintain_ = UnixNow() + config_.daemon.maintenance_interval_seconds;
}

// The policies' retention, purge and garbage collection, under the lease this daemon holds (renewed
// between prune's steps, so a long garbage collection does not let another host in).
void Daemon::Prune() {
  ops::PruneOptions o;
  o.work_dir = config_.cache_dir;
  o.now = UnixNow();
  o.keep_alive = [this]() -> Status {
    int64_t now = UnixNow();
    if (now - lease_renewed_ < kLeaseRenewSeconds) return Status::OK();
    CV_RETURN_IF_ERROR(lease_->Renew(now));
    lease_renewed_ = now;
    return Status::OK();
  };
  auto r = RunPrune(*vault_, o, /*lease_held=*/true);
  if (!r.ok()) {
    Log("error", "prune", {{"error", r.status().ToString()}});
    return;
  }
  size_t kept = 0;
  for (const TagPlan& t : r->tags) kept += t.keep ? 1 : 0;
  Log("info", "prune",
      {{"tags_kept", kept},
       {"forgotten", r->forgotten},
       {"purged", r->purged},
       {"marked", r->gc.candidates_marked},
       {"deleted_objects", r->gc.deleted_objects},
       {"deleted_bytes", r->gc.deleted_bytes},
       {"repacked_packs", r->gc.repacked_packs},
       {"skipped_locked", r->gc.skipped_locked},
       {"seconds", r->seconds}});
}

Status Daemon::Run() {
  CV_ASSIGN_OR_RETURN(Config cfg, load_config_());
  CV_RETURN_IF_ERROR(Open(std::move(cfg)));
  if (!o_.maintenance) node_ = ReadNodeIdent(config_);
  Log("info", "start",
      {{"vault_id", vault_->vault_id()},
       {"maintenance", o_.maintenance},
       {"poll_interval", config_.daemon.poll_interval_seconds},
       {"policy_source", config_.daemon.policy_files.empty() ? "vault" : "files"},
       {"host_id", node_.host_id},
       {"address", node_.address}});
  while (!control_.stop.load()) {
    int64_t now = UnixNow();
    if (control_.reload.exchange(false)) Reload();
    if (o_.maintenance) {
      Maintain(now);
      if (o_.once) break;
    } else {
      if (now >= next_poll_) {
        PollPolicies();
        next_poll_ = UnixNow() + config_.daemon.poll_interval_seconds;
      }
      bool busy = false;
      for (auto& [name, l] : live_) {
        if (control_.stop.load()) break;
        Serve(l, UnixNow());
        busy = busy || l.pending.has_value();
      }
      if (o_.once && !busy) break;
    }
    // Short sleeps: a signal is noticed within a quarter second; each pass costs no request.
    for (int i = 0; i < 4 && !control_.stop.load() && !control_.reload.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (lease_) {
    if (Status st = lease_->Release(); !st.ok()) Log("warn", "lease", {{"error", st.ToString()}});
  }
  Log("info", "stop", {});
  return Status::OK();
}

}  // namespace

DaemonState DaemonState::Load(const std::string& path, std::string* problem) {
  DaemonState s;
  s.path_ = path;
  std::ifstream in(path);
  if (!in) return s;
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("last_slot") || !j["last_slot"].is_object()) {
    *problem = path + ": not a daemon state file; starting afresh (only the latest slot of each policy runs)";
    return s;
  }
  for (const auto& [name, v] : j["last_slot"].items()) {
    if (v.is_number_integer()) s.last_[name] = v.get<int64_t>();
  }
  return s;
}

Status DaemonState::Save() const {
  json j = {{"version", 1}, {"last_slot", last_}};
  std::string text = j.dump(1) + "\n";
  return env::WritePrivateFileAtomically(path_, text, "daemon state");
}

std::optional<int64_t> DaemonState::Last(const std::string& policy) const {
  auto it = last_.find(policy);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

Status RunDaemon(const std::function<Result<Config>()>& load_config, const DaemonOptions& options,
                 DaemonControl& control, const DaemonLog& log) {
  Daemon d(load_config, options, control, log);
  return d.Run();
}

}  // namespace cv::ops
