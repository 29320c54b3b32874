// src/cli/daemon_commands.cc — `cassvault daemon`, `runs`, `status`, and `backup --policy` (the run of
// one slot now). The logic is in ops/daemon.h and ops/policy_run.h; this file parses flags and prints.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cli/cli_common.h"
#include "core/policy.h"
#include "core/schedule.h"
#include "core/vault_layout.h"
#include "env/clock.h"
#include "ops/daemon.h"
#include "ops/list.h"
#include "ops/node_session.h"
#include "ops/policy_file.h"
#include "ops/policy_run.h"
#include "vault/policy_store.h"
#include "vault/run_log.h"

namespace cv::cli {
namespace {

using nlohmann::json;

using env::UnixNow;

// Signal handlers only set flags (lock-free atomics): the daemon's loop and the backup's cancel check
// read them.
ops::DaemonControl* g_control = nullptr;
std::atomic<bool> g_interrupted{false};

extern "C" void OnStop(int) {
  g_interrupted.store(true);
  if (g_control != nullptr) g_control->stop.store(true);
}
extern "C" void OnReload(int) {
  if (g_control != nullptr) g_control->reload.store(true);
}

void InstallHandlers(bool with_reload) {
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  if (with_reload) {
    sa.sa_handler = OnReload;
    sigaction(SIGHUP, &sa, nullptr);
  }
}

// The policies this node runs: the vault's (format 2), or the node-local files of daemon.policy_files.
struct NamedPolicy {
  policy::Policy policy;
  uint32_t version = 0;
  std::string set_by;
};
Result<std::vector<NamedPolicy>> CurrentPolicies(const ops::Config& config, vault::Vault& v) {
  std::vector<NamedPolicy> out;
  if (!config.daemon.policy_files.empty()) {
    for (const auto& path : config.daemon.policy_files) {
      CV_ASSIGN_OR_RETURN(policy::Policy p, ops::LoadPolicyFile(path));
      out.push_back({std::move(p), 0, path});
    }
    return out;
  }
  if (v.format() < 2) {
    return Status::NotSupported("policies",
                                "a format 1 vault has no admin key to sign policies; use a node-local policy "
                                "file (daemon.policy_files in the config, docs/policies.md)");
  }
  CV_ASSIGN_OR_RETURN(std::vector<vault::PolicyVersion> all, v.policies().Current());
  for (const auto& pv : all) {
    CV_ASSIGN_OR_RETURN(policy::Policy p, policy::PolicyFromJson(pv.body, "policy " + pv.name + " version " +
                                                                              std::to_string(pv.version)));
    out.push_back({std::move(p), pv.version, pv.set_by});
  }
  return out;
}

json RunJson(const vault::RunRecord& r) {
  return {{"run_id", r.run_id},
          {"policy", r.policy},
          {"policy_version", r.policy_version},
          {"slot", layout::FormatTime(r.slot)},
          {"tag", r.tag},
          {"host_id", r.host_id},
          {"address", r.address},
          {"data_center", r.data_center},
          {"node_id", r.node_id},
          {"state", r.state},
          {"attempts", r.attempts},
          {"started", layout::FormatTime(r.started)},
          {"finished", r.finished ? layout::FormatTime(r.finished) : ""},
          {"backup_id", r.backup_id},
          {"error", r.error}};
}

// --- daemon -------------------------------------------------------------------------------------
void AddDaemon(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand(
      "daemon", "run the policies' backups on this node as they fall due (docs/operations.md)");
  auto o = std::make_shared<ops::DaemonOptions>();
  cmd->add_flag("--maintenance", o->maintenance,
                "the maintenance role (admin key, one host): hold the maintenance lease and run `maintain` "
                "every daemon.maintenance_interval; no backups");
  cmd->add_flag("--once", o->once, "run what is due now (with its jitter and retries), then exit");
  AddPriorityFlag(cmd, g, "backup.priority (background)");
  cmd->callback([&g, o] {
    // The daemon's work is backups and maintenance: the whole process runs at backup.priority, read once
    // here (a changed priority takes a restart, like the unit's own Nice=).
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status().Annotate("daemon")));
    if (Status st = ApplyPriority(g, cfg->pacing.backup_priority); !st.ok())
      return void(g.exit_code = Fail(st));
    // That config is the daemon's first; a SIGHUP reads the file again.
    auto first = std::make_shared<std::optional<ops::Config>>(std::move(cfg).value());
    auto load_config = [&g, first]() -> Result<ops::Config> {
      if (!first->has_value()) return Load(g);
      ops::Config c = std::move(**first);
      first->reset();
      return c;
    };
    static ops::DaemonControl control;
    g_control = &control;
    InstallHandlers(true);
    // One JSON line per event on stderr, terminal or not: the journal keeps them.
    auto log = [](const json& line) { std::cerr << line.dump() << std::endl; };
    Status st = ops::RunDaemon(load_config, *o, control, log);
    if (!st.ok()) g.exit_code = Fail(st.Annotate("daemon"));
  });
}

// --- runs ---------------------------------------------------------------------------------------
void AddRuns(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("runs", "what the daemons did: one line per policy run (run records)");
  struct Flags {
    std::string node, policy, since;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--node", f->node, "only this node's runs: host id, address or vault node id");
  cmd->add_option("--policy", f->policy, "only this policy's runs");
  cmd->add_option("--since", f->since, "runs started at or after (UTC; default: the last 24 hours)")
      ->type_name("DATE|TIME");
  cmd->callback([&g, f] {
    int64_t now = UnixNow();
    int64_t since = now - 86400;
    if (!f->since.empty()) {
      auto t = ops::ParseListTime("--since", f->since, false);
      if (!t.ok()) {
        Fail(t.status());
        return void(g.exit_code = kExitUsage);
      }
      since = *t;
    }
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto runs = (*v)->runs().List(since, now);
    WarnVaultProblems(**v);
    if (!runs.ok()) return void(g.exit_code = Fail(runs.status().Annotate("runs")));
    std::vector<vault::RunRecord> shown;
    for (const auto& r : *runs) {
      if (!f->policy.empty() && r.policy != f->policy) continue;
      if (!f->node.empty() && r.host_id != f->node && r.address != f->node && r.node_id != f->node) continue;
      shown.push_back(r);
    }
    if (g.json) {
      json a = json::array();
      for (const auto& r : shown) a.push_back(RunJson(r));
      std::cout << a.dump() << "\n";
      return;
    }
    if (shown.empty()) std::cout << "no runs since " << layout::FormatTime(since) << "\n";
    for (const auto& r : shown) {
      std::cout << layout::FormatTime(r.started) << "  " << Printable(r.tag) << "  " << Printable(r.state)
                << "  node=" << Printable(r.address) << "  dc=" << Printable(r.data_center)
                << "  attempts=" << r.attempts << "  policy=" << Printable(r.policy) << " v"
                << r.policy_version;
      if (!r.backup_id.empty()) std::cout << "  backup=" << Printable(r.backup_id);
      if (!r.error.empty()) std::cout << "  error: " << Printable(r.error);
      std::cout << "\n";
    }
  });
}

// --- status -------------------------------------------------------------------------------------
// A policy's cluster backups (the tags it made) and the newest complete one. Completeness is list
// --cluster's (ops::SummariseCluster: every member the tag's records saw at backup time committed); for tags
// whose records list no members (older cassvault), every node that committed any of the policy's tags is
// expected instead.
struct PolicyStatus {
  std::optional<ops::ClusterBackup> last_complete;
  std::optional<ops::ClusterBackup> last;
  std::string last_state;
  std::vector<std::string> missing_last;  // host ids missing from the newest tag
};

PolicyStatus StatusOf(const std::string& name, const std::vector<ops::ClusterBackup>& clusters) {
  PolicyStatus s;
  std::set<std::string> seen;
  std::vector<const ops::ClusterBackup*> mine;
  for (const auto& c : clusters) {
    auto parts = sched::ParseSlotTag(c.tag);
    if (!parts || parts->policy != name) continue;
    mine.push_back(&c);
    seen.insert(c.nodes.begin(), c.nodes.end());
  }
  for (const auto* c : mine) {  // ordered by start: the newest complete one wins
    std::string state = c->state;
    std::vector<std::string> missing;
    if (state == "unknown" || state.empty()) {
      for (const auto& h : seen)
        if (!c->nodes.count(h)) missing.push_back(h);
      state = missing.empty() ? "complete" : "partial";
    } else {
      for (const auto& dc : c->per_dc)
        for (const auto& m : dc.missing) missing.push_back(m.member.host_id);
    }
    if (state == "complete") s.last_complete = *c;
    s.last = *c;
    s.last_state = state;
    s.missing_last = std::move(missing);
  }
  return s;
}

void AddStatus(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand(
      "status", "per policy: last complete cluster backup, next slot, failures in 24 h, RPO now");
  cmd->callback([&g] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto policies = CurrentPolicies(*cfg, **v);
    if (!policies.ok()) return void(g.exit_code = Fail(policies.status().Annotate("status")));
    auto records = (*v)->ListBackups();
    if (!records.ok()) return void(g.exit_code = Fail(records.status().Annotate("status")));
    int64_t now = UnixNow();
    // Run records are best effort here: a vault whose runs cannot be read still has a status.
    std::map<std::string, int> failures;
    std::string runs_problem;
    std::vector<ops::RunNote> notes;
    if ((*v)->format() >= 2) {
      auto runs = (*v)->runs().List(now - 86400, now);
      if (runs.ok()) {
        for (const auto& r : *runs) {
          if (r.state == "failed") ++failures[r.policy];
          notes.push_back({r.tag, r.host_id, r.state, r.error});
        }
      } else {
        runs_problem = runs.status().ToString();
      }
    }
    auto clusters = ops::SummariseCluster(*records, &notes);
    WarnVaultProblems(**v);
    json a = json::array();
    for (const auto& np : *policies) {
      const auto& p = np.policy;
      PolicyStatus s = StatusOf(p.name, clusters);
      auto next = sched::NextSlotAfter(p.schedule, now);
      json j = {{"policy", p.name},
                {"version", np.version},
                {"enabled", p.enabled},
                {"next_slot", next ? layout::FormatTime(*next) : ""},
                {"next_tag", next ? sched::SlotTag(p.name, *next) : ""},
                {"failures_24h", failures[p.name]}};
      if (s.last_complete) {
        j["last_complete"] = {{"tag", s.last_complete->tag},
                              {"nodes", s.last_complete->nodes.size()},
                              {"started", layout::FormatTime(s.last_complete->started)},
                              {"finished", layout::FormatTime(s.last_complete->finished)}};
        // RPO: how old the newest complete cluster backup's data is (its first snapshot).
        j["rpo_seconds"] = now - s.last_complete->started;
      } else {
        j["last_complete"] = nullptr;
        j["rpo_seconds"] = nullptr;
      }
      if (s.last) {
        j["last_tag"] = s.last->tag;
        j["last_tag_state"] = s.last_state;
        j["last_tag_missing"] = s.missing_last;
      }
      a.push_back(j);
    }
    if (g.json) {
      json out = {{"policies", a}, {"now", layout::FormatTime(now)}};
      if (!runs_problem.empty()) out["runs_problem"] = runs_problem;
      std::cout << out.dump() << "\n";
      return;
    }
    if (a.empty()) std::cout << "no policies\n";
    for (const auto& j : a) {
      std::cout << "policy " << Printable(j["policy"].get<std::string>()) << " (version " << j["version"]
                << (j["enabled"].get<bool>() ? "" : ", DISABLED") << ")\n";
      if (j["last_complete"].is_null()) {
        std::cout << "  last complete cluster backup: none\n  RPO: unknown (no complete cluster backup)\n";
      } else {
        const auto& c = j["last_complete"];
        std::cout << "  last complete cluster backup: " << Printable(c["tag"].get<std::string>()) << " ("
                  << c["nodes"] << " nodes, " << c["started"].get<std::string>() << " .. "
                  << c["finished"].get<std::string>() << ")\n";
        int64_t rpo = j["rpo_seconds"].get<int64_t>();
        std::cout << "  RPO: " << rpo / 3600 << " h " << (rpo % 3600) / 60 << " min\n";
      }
      if (j.contains("last_tag") && !j["last_tag_missing"].empty()) {
        std::cout << "  newest tag " << Printable(j["last_tag"].get<std::string>())
                  << " is partial, missing:";
        for (const auto& h : j["last_tag_missing"]) std::cout << " " << Printable(h.get<std::string>());
        std::cout << "\n";
      }
      std::cout << "  next slot: " << j["next_slot"].get<std::string>() << " (tag "
                << j["next_tag"].get<std::string>() << ")\n";
      std::cout << "  failed runs in the last 24 h: " << j["failures_24h"] << "\n";
    }
    if (!runs_problem.empty()) Warn("run records: " + runs_problem);
  });
}

}  // namespace

Result<ops::RunLock> TakeRunLock(const ops::Config& config, const std::string& what, bool wait) {
  if (!wait) return ops::RunLock::TryAcquire(config.cache_dir, what);
  InstallHandlers(false);
  return ops::RunLock::Acquire(
      config.cache_dir, what,
      [](const std::string& holder) {
        std::cerr << "cassvault: another cassvault ("
                  << (holder.empty() ? std::string("holder unknown") : holder)
                  << ") is running a backup on this node; waiting\n";
      },
      &g_interrupted);
}

int BackupPolicyNow(GlobalFlags& g, const ops::Config& config, vault::Vault& v, const std::string& name) {
  auto policies = CurrentPolicies(config, v);
  if (!policies.ok()) return Fail(policies.status().Annotate("backup --policy"));
  const NamedPolicy* np = nullptr;
  for (const auto& p : *policies)
    if (p.policy.name == name) np = &p;
  if (np == nullptr) {
    return Fail(Status::NotFound("backup --policy " + name,
                                 "no such policy (`cassvault policy list` shows them; node-local files: "
                                 "daemon.policy_files)"));
  }
  int64_t now = UnixNow();
  auto slot = sched::LatestSlotAtOrBefore(np->policy.schedule, now);
  if (!slot) {
    return Fail(Status::NotFound("backup --policy " + name, "the schedule had no slot in the past year"));
  }
  ops::NodeIdent node = ops::ReadNodeIdent(config);
  InstallHandlers(false);
  Status write_error;
  auto run = ops::SlotRun::Begin(v.runs(), np->policy, np->version, *slot, node, now, &write_error);
  if (!write_error.ok()) Warn("run record: " + write_error.ToString());
  ops::AttemptResult r = ops::AttemptPolicySlot(config, v, np->policy, *slot, node, &g_interrupted);
  for (const std::string& w : r.warnings) Warn(w);
  if (run.ok()) {
    if (Status st = run->Finish(r, 1, UnixNow()); !st.ok()) Warn("run record: " + st.ToString());
  }
  WarnVaultProblems(v);
  json j = {{"policy", name},
            {"tag", sched::SlotTag(name, *slot)},
            {"state", r.state},
            {"backup_id", r.record.backup_id},
            {"seconds", r.seconds},
            {"verified", r.verified},
            {"error", r.error.ok() ? "" : ops::RunErrorText(r.error)}};
  LogEvent(g, "run", j);
  if (g.json) {
    std::cout << j.dump() << "\n";
  } else if (r.state == "succeeded") {
    std::cout << "backup " << r.record.backup_id << " committed: policy " << name << ", tag "
              << sched::SlotTag(name, *slot) << (r.verified ? ", verified" : "") << " in " << r.seconds
              << " s\n";
  } else if (r.state == "skipped") {
    std::cout << "this node already committed tag " << sched::SlotTag(name, *slot) << " (backup "
              << r.record.backup_id << "); nothing to do\n";
  }
  if (r.state == "succeeded" || r.state == "skipped") return kExitOk;
  return Fail(r.error);
}

void AddDaemonCommands(CLI::App& app, GlobalFlags& g) {
  AddDaemon(app, g);
  AddRuns(app, g);
  AddStatus(app, g);
}

}  // namespace cv::cli
