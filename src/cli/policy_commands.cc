// src/cli/policy_commands.cc — `cassvault policy ...`: policies stored in the vault, signed by the admin
// key (vault/policy_store.h), and `policy check` of a policy file, which needs no vault.
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "core/policy.h"
#include "core/schedule.h"
#include "core/vault_layout.h"
#include "crypto/key_slot.h"
#include "env/clock.h"
#include "ops/node_session.h"
#include "ops/policy_file.h"
#include "ops/policy_ops.h"
#include "vault/policy_store.h"

namespace cv::cli {
namespace {

using nlohmann::json;

using env::UnixNow;

}  // namespace

// Who makes a change, as the policy's history shows it: the key slot that opened the vault (and its role),
// the local user and host. Never a secret. (Also the "by" of backup marks and vault settings.)
std::string ChangedBy(const vault::Vault& v) {
  std::string role = "key";
  if (const crypto::KeyBundle* b = v.keys().bundle()) role = std::string(crypto::KeyRoleName(b->role()));
  std::string user = "?";
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) user = pw->pw_name;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return "key slot " + v.opened_slot() + " (" + role + ") on " + user + "@" + (host[0] ? host : "?");
}

namespace {

Status NeedsV2(const vault::Vault& v) {
  if (v.format() >= 2) return Status::OK();
  return Status::NotSupported(
      "policy",
      "a format 1 vault has no admin key to sign policies; use a node-local policy file "
      "(daemon.policy_files in the config, docs/policies.md)");
}

json VersionJson(const vault::PolicyVersion& pv) {
  json j = {{"name", pv.name},
            {"version", pv.version},
            {"removed", pv.removed},
            {"set_at", layout::FormatTime(pv.set_at)},
            {"set_by", pv.set_by}};
  if (!pv.removed) {
    json body = json::parse(pv.body, nullptr, false);
    if (!body.is_discarded()) j["policy"] = body;
  }
  return j;
}

// The next `n` slots of a policy: UTC, local time, tag.
json NextRunsJson(const policy::Policy& p, int64_t now, size_t n) {
  json a = json::array();
  for (int64_t t : sched::NextSlots(p.schedule, now, n)) {
    a.push_back({{"utc", layout::FormatTime(t)},
                 {"local", sched::FormatLocal(p.schedule, t)},
                 {"tag", sched::SlotTag(p.name, t)}});
  }
  return a;
}

void PrintNextRuns(const json& runs) {
  for (const auto& r : runs)
    std::cout << "  " << r["utc"].get<std::string>() << "  " << r["local"].get<std::string>() << "  tag "
              << r["tag"].get<std::string>() << "\n";
}

Result<std::unique_ptr<vault::Vault>> OpenForPolicies(const GlobalFlags& g) {
  CV_ASSIGN_OR_RETURN(std::unique_ptr<vault::Vault> v, OpenVaultOf(g));
  CV_RETURN_IF_ERROR(NeedsV2(*v));
  return v;
}

// The policy's current version, parsed. NotFound naming the policies there are.
Result<std::pair<vault::PolicyVersion, policy::Policy>> CurrentPolicy(vault::Vault& v,
                                                                      const std::string& name) {
  CV_ASSIGN_OR_RETURN(std::vector<vault::PolicyVersion> all, v.policies().Current());
  std::string names;
  for (const auto& pv : all) {
    names += (names.empty() ? "" : ", ") + pv.name;
    if (pv.name != name) continue;
    CV_ASSIGN_OR_RETURN(policy::Policy p, policy::PolicyFromJson(pv.body, "policy " + pv.name + " version " +
                                                                              std::to_string(pv.version)));
    return std::make_pair(pv, std::move(p));
  }
  return Status::NotFound("policy " + name,
                          "is not in the vault (policies: " + (names.empty() ? std::string("none") : names) +
                              "); `cassvault policy set FILE` adds one");
}

void AddSet(CLI::App* policy, GlobalFlags& g) {
  auto* cmd =
      policy->add_subcommand("set", "store a policy file's policy in the vault (admin key): a new version");
  auto file = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, "the policy file (YAML, docs/policies.md)")->required();
  cmd->callback([&g, file] {
    // The file is checked before the vault is touched: a bad policy stores nothing.
    auto p = ops::LoadPolicyFile(*file);
    if (!p.ok()) return void(g.exit_code = Fail(p.status()));
    auto v = OpenForPolicies(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto pv = ops::SetPolicy(**v, *p, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!pv.ok()) return void(g.exit_code = Fail(pv.status().Annotate("policy set")));
    LogEvent(g, "policy_set", {{"policy", pv->name}, {"version", pv->version}, {"set_by", pv->set_by}});
    if (g.json) {
      std::cout << VersionJson(*pv).dump() << "\n";
    } else {
      std::cout << "policy " << pv->name << " version " << pv->version << " stored, set by " << pv->set_by
                << "; the nodes' daemons pick it up at their next poll\n";
    }
  });
}

void AddRemove(CLI::App* policy, GlobalFlags& g) {
  auto* cmd = policy->add_subcommand("remove", "end a policy (admin key): its daemons stop running it");
  auto name = std::make_shared<std::string>();
  cmd->add_option("NAME", *name, "the policy's name")->required();
  cmd->callback([&g, name] {
    auto v = OpenForPolicies(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto cur = CurrentPolicy(**v, *name);
    if (!cur.ok()) return void(g.exit_code = Fail(cur.status()));
    auto pv = ops::RemovePolicy(**v, *name, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!pv.ok()) return void(g.exit_code = Fail(pv.status().Annotate("policy remove")));
    if (g.json) {
      std::cout << VersionJson(*pv).dump() << "\n";
    } else {
      std::cout << "policy " << pv->name << " removed (version " << pv->version << ", by " << pv->set_by
                << "); its backups stay\n";
    }
  });
}

void AddList(CLI::App* policy, GlobalFlags& g) {
  auto* cmd = policy->add_subcommand("list", "the vault's current policies");
  cmd->callback([&g] {
    auto v = OpenForPolicies(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto all = (*v)->policies().Current();
    WarnVaultProblems(**v);
    if (!all.ok()) return void(g.exit_code = Fail(all.status()));
    json a = json::array();
    for (const auto& pv : *all) a.push_back(VersionJson(pv));
    if (g.json) {
      std::cout << a.dump() << "\n";
      return;
    }
    if (all->empty()) std::cout << "no policies; `cassvault policy set FILE` adds one\n";
    for (const auto& pv : *all) {
      auto p = policy::PolicyFromJson(pv.body, "policy " + pv.name);
      std::cout << Printable(pv.name) << "  version " << pv.version;
      if (p.ok()) {
        std::cout << "  cron \"" << Printable(p->cron) << "\" " << Printable(p->time_zone)
                  << (p->enabled ? "" : "  DISABLED");
      } else {
        std::cout << "  UNREADABLE: " << Printable(p.status().ToString());
      }
      std::cout << "  set " << layout::FormatTime(pv.set_at) << " by " << Printable(pv.set_by) << "\n";
    }
  });
}

void AddShow(CLI::App* policy, GlobalFlags& g) {
  auto* cmd = policy->add_subcommand("show", "one policy: what it does and its next runs");
  auto name = std::make_shared<std::string>();
  auto count = std::make_shared<size_t>(5);
  cmd->add_option("NAME", *name, "the policy's name")->required();
  cmd->add_option("--count", *count, "how many next runs to show (default 5)")->check(CLI::Range(1, 1000));
  cmd->callback([&g, name, count] {
    auto v = OpenForPolicies(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto cur = CurrentPolicy(**v, *name);
    WarnVaultProblems(**v);
    if (!cur.ok()) return void(g.exit_code = Fail(cur.status()));
    const auto& [pv, p] = *cur;
    json runs = NextRunsJson(p, UnixNow(), *count);
    if (g.json) {
      json j = VersionJson(pv);
      j["description"] = policy::DescribePolicy(p);
      j["next_runs"] = runs;
      std::cout << j.dump() << "\n";
      return;
    }
    std::cout << "policy " << Printable(pv.name) << " version " << pv.version << ", set "
              << layout::FormatTime(pv.set_at) << " by " << Printable(pv.set_by) << "\n";
    for (const auto& line : policy::DescribePolicy(p)) std::cout << "  " << Printable(line) << "\n";
    std::cout << "next runs:\n";
    PrintNextRuns(runs);
  });
}

void AddHistory(CLI::App* policy, GlobalFlags& g) {
  auto* cmd = policy->add_subcommand("history", "every version of a policy, oldest first, with who set it");
  auto name = std::make_shared<std::string>();
  cmd->add_option("NAME", *name, "the policy's name")->required();
  cmd->callback([&g, name] {
    auto v = OpenForPolicies(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto h = (*v)->policies().History(*name);
    WarnVaultProblems(**v);
    if (!h.ok()) return void(g.exit_code = Fail(h.status()));
    if (h->empty()) {
      return void(g.exit_code = Fail(Status::NotFound("policy " + *name, "has no version in the vault")));
    }
    if (g.json) {
      json a = json::array();
      for (const auto& pv : *h) a.push_back(VersionJson(pv));
      std::cout << a.dump() << "\n";
      return;
    }
    for (const auto& pv : *h) {
      std::cout << "version " << pv.version << "  " << layout::FormatTime(pv.set_at) << "  by "
                << Printable(pv.set_by);
      if (pv.removed) {
        std::cout << "  REMOVED\n";
        continue;
      }
      auto p = policy::PolicyFromJson(pv.body, "policy " + pv.name);
      if (p.ok()) {
        std::cout << "  cron \"" << Printable(p->cron) << "\" " << Printable(p->time_zone) << "\n";
      } else {
        std::cout << "  UNREADABLE: " << Printable(p.status().ToString()) << "\n";
      }
    }
  });
}

void AddCheck(CLI::App* policy, GlobalFlags& g) {
  auto* cmd = policy->add_subcommand(
      "check", "validate a policy file and print its next runs with their tags (no vault needed)");
  auto file = std::make_shared<std::string>();
  auto count = std::make_shared<size_t>(5);
  cmd->add_option("FILE", *file, "the policy file (YAML, docs/policies.md)")->required();
  cmd->add_option("--count", *count, "how many next runs to print (default 5)")->check(CLI::Range(1, 1000));
  cmd->callback([&g, file, count] {
    auto p = ops::LoadPolicyFile(*file);
    if (!p.ok()) return void(g.exit_code = Fail(p.status()));
    json runs = NextRunsJson(*p, UnixNow(), *count);
    if (g.json) {
      std::cout << json{{"valid", true},
                        {"policy", json::parse(policy::PolicyToJson(*p))},
                        {"description", policy::DescribePolicy(*p)},
                        {"next_runs", runs}}
                       .dump()
                << "\n";
      return;
    }
    std::cout << *file << ": policy " << p->name << " is valid\n";
    for (const auto& line : policy::DescribePolicy(*p)) std::cout << "  " << line << "\n";
    std::cout << "next " << runs.size() << " runs (UTC, local, tag):\n";
    PrintNextRuns(runs);
  });
}

}  // namespace

void AddPolicyCommands(CLI::App& app, GlobalFlags& g) {
  auto* policy =
      app.add_subcommand("policy", "backup policies: schedule, selection, retention (docs/policies.md)");
  policy->require_subcommand(1);
  AddSet(policy, g);
  AddRemove(policy, g);
  AddList(policy, g);
  AddShow(policy, g);
  AddHistory(policy, g);
  AddCheck(policy, g);
}

}  // namespace cv::cli
