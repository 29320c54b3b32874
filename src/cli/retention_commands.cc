// src/cli/retention_commands.cc — `cassvault forget | undelete | retain | lock | settings`: the admin's
// decisions about backups and the vault's settings (ops/backup_marks_ops.h). Thin: flags in, one operation,
// its outcome out.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "core/schedule.h"
#include "core/vault_layout.h"
#include "env/clock.h"
#include "ops/backup_marks_ops.h"
#include "ops/node_session.h"

namespace cv::cli {
namespace {

using env::UnixNow;
using nlohmann::json;

// The outcome of forget/undelete/retain/lock: one line per backup the new marks name.
void Report(const GlobalFlags& g, const std::string& op, const ops::MarkOutcome& out,
            const std::string& verb) {
  LogEvent(g, op, {{"backups", out.backups.size()}, {"until", layout::FormatTime(out.until)}});
  if (g.json) {
    json a = json::array();
    for (const auto& r : out.backups)
      a.push_back({{"backup_id", r.backup_id}, {"tag", r.tag}, {"address", r.address}});
    std::cout << json{{"op", op},
                      {"backups", a},
                      {"until", layout::FormatTime(out.until)},
                      {"skipped", out.skipped}}
                     .dump()
              << "\n";
    return;
  }
  for (const auto& r : out.backups) {
    std::cout << r.backup_id << "  tag=" << Printable(r.tag) << "  node=" << Printable(r.address) << "  "
              << verb << "\n";
  }
  for (const auto& s : out.skipped) std::cout << "skipped " << Printable(s) << "\n";
}

struct Target {
  std::string what, node;
};

void AddTargetArgs(CLI::App* cmd, Target& t, bool required = true) {
  auto* opt = cmd->add_option("BACKUP", t.what, "a backup id, or a tag: every node's backup of it")
                  ->type_name("BACKUP|TAG");
  if (required) opt->required();
  cmd->add_option("--node", t.node,
                  "only this node's backup of the tag: its host id, address or vault node id")
      ->type_name("HOST");
}

void AddForget(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("forget",
                                 "delete a backup or a tag's backups (admin key): soft delete, `cassvault "
                                 "undelete` brings them back until prune purges them");
  auto t = std::make_shared<Target>();
  auto reason = std::make_shared<std::string>();
  AddTargetArgs(cmd, *t);
  cmd->add_option("--reason", *reason, "why, shown by `list --deleted`")->type_name("TEXT");
  cmd->callback([&g, t, reason] {
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto out = ops::Forget(**v, t->what, t->node, *reason, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!out.ok()) return void(g.exit_code = Fail(out.status()));
    Report(g, "forget", *out, "deleted; purge after " + layout::FormatTime(out->until));
  });
}

void AddUndelete(CLI::App& app, GlobalFlags& g) {
  auto* cmd =
      app.add_subcommand("undelete", "bring back a deleted backup or tag (admin key) until it is purged");
  auto t = std::make_shared<Target>();
  AddTargetArgs(cmd, *t);
  cmd->callback([&g, t] {
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto out = ops::Undelete(**v, t->what, t->node, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!out.ok()) return void(g.exit_code = Fail(out.status()));
    Report(g, "undelete", *out, "undeleted");
  });
}

void AddRetain(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("retain",
                                 "keep a backup or tag until a date (admin key): a retention rule "
                                 "prune follows");
  auto t = std::make_shared<Target>();
  auto until = std::make_shared<std::string>();
  AddTargetArgs(cmd, *t);
  cmd->add_option("--until", *until, "2027-01-01 (00:00 UTC) or RFC 3339")->required()->type_name("DATE");
  cmd->callback([&g, t, until] {
    auto date = ops::ParseMarkDate("--until", *until);
    if (!date.ok()) return void(g.exit_code = Fail(date.status()));
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto out = ops::Retain(**v, t->what, t->node, *date, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!out.ok()) return void(g.exit_code = Fail(out.status()));
    Report(g, "retain", *out, "retained until " + layout::FormatTime(*date));
  });
}

void AddLock(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("lock",
                                 "lock a backup, tag or policy until a date (admin key): forget and "
                                 "prune refuse it until then; shortened only with a guardian's approval");
  auto t = std::make_shared<Target>();
  auto until = std::make_shared<std::string>();
  auto policy = std::make_shared<std::string>();
  AddTargetArgs(cmd, *t, false);
  cmd->add_option("--policy", *policy, "lock every backup of this policy's tags, later ones too")
      ->type_name("NAME");
  cmd->add_option("--until", *until, "2027-01-01 (00:00 UTC) or RFC 3339")->required()->type_name("DATE");
  cmd->callback([&g, t, until, policy] {
    if (t->what.empty() == policy->empty()) {
      return void(g.exit_code =
                      Fail(Status::InvalidArgument("lock", "name either BACKUP|TAG or --policy NAME")));
    }
    auto date = ops::ParseMarkDate("--until", *until);
    if (!date.ok()) return void(g.exit_code = Fail(date.status()));
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto out = ops::Lock(**v, t->what, t->node, *policy, *date, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!out.ok()) return void(g.exit_code = Fail(out.status()));
    if (!policy->empty() && !g.json) {
      std::cout << "policy " << *policy << " locked until " << layout::FormatTime(*date) << "\n";
      return;
    }
    Report(g, "lock", *out, "locked until " + layout::FormatTime(*date));
  });
}

void AddUnlock(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("unlock",
                                 "end a lock of a backup, tag or policy now (admin key and a guardian's "
                                 "approval; never while immutability is locked)");
  auto t = std::make_shared<Target>();
  auto policy = std::make_shared<std::string>();
  AddTargetArgs(cmd, *t, false);
  cmd->add_option("--policy", *policy, "end the policy's lock")->type_name("NAME");
  cmd->callback([&g, t, policy] {
    if (t->what.empty() == policy->empty()) {
      return void(g.exit_code =
                      Fail(Status::InvalidArgument("unlock", "name either BACKUP|TAG or --policy NAME")));
    }
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto out = ops::Unlock(**v, t->what, t->node, *policy, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!out.ok()) return void(g.exit_code = Fail(out.status()));
    if (!policy->empty() && !g.json) {
      std::cout << "policy " << *policy << " unlocked\n";
      return;
    }
    Report(g, "unlock", *out, "unlocked");
  });
}

void AddPurge(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("purge",
                                 "end the soft delete of deleted backups now, so the next prune purges them "
                                 "(admin key and a guardian's approval)");
  auto t = std::make_shared<Target>();
  AddTargetArgs(cmd, *t);
  cmd->callback([&g, t] {
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto out = ops::PurgeEarly(**v, t->what, t->node, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!out.ok()) return void(g.exit_code = Fail(out.status()));
    Report(g, "purge", *out, "soft delete ended; the next prune purges it");
  });
}

json SettingsJson(const vault::VaultSettings& s) {
  return {{"soft_delete", s.soft_delete},
          {"soft_delete_days", s.soft_delete_days},
          {"immutability", s.immutability},
          {"prune_grace", sched::FormatDuration(s.prune_grace_seconds)},
          {"prune_grace_seconds", s.prune_grace_seconds},
          {"version", s.version},
          {"set_at", s.version ? layout::FormatTime(s.set_at) : ""},
          {"set_by", s.set_by},
          {"guardians", s.guardians.size()}};
}

void PrintSettings(const vault::VaultSettings& s) {
  std::cout << "soft delete:  " << s.soft_delete << " (" << s.soft_delete_days << " days)\n"
            << "immutability: " << s.immutability << "\n"
            << "prune grace:  " << sched::FormatDuration(s.prune_grace_seconds) << "\n"
            << "guardians:    " << s.guardians.size()
            << (s.guardians.empty() ? " (the two-person rule is off)" : " (`cassvault guardian list`)")
            << "\n";
  if (s.version == 0) {
    std::cout << "(defaults: never set)\n";
  } else {
    std::cout << "version " << s.version << ", set " << layout::FormatTime(s.set_at) << " by "
              << Printable(s.set_by) << "\n";
  }
}

void AddSettings(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("settings", "show the vault's settings, or change them (admin key)");
  struct Flags {
    std::string soft_delete, immutability, grace;
    int64_t days = 0;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--soft-delete", f->soft_delete, "disabled | enabled | always-on (always-on is one-way)")
      ->type_name("STATE");
  cmd->add_option("--soft-delete-days", f->days, "days a forgotten backup can be undeleted (1-365)")
      ->type_name("N");
  cmd->add_option("--immutability", f->immutability, "disabled | unlocked | locked (locked is one-way)")
      ->type_name("STATE");
  cmd->add_option("--prune-grace", f->grace, "how long prune waits before deleting what it marked (>= 60s)")
      ->type_name("DUR");
  cmd->callback([&g, f, cmd] {
    ops::SettingsChange change;
    if (!f->soft_delete.empty()) change.soft_delete = f->soft_delete;
    if (!f->immutability.empty()) change.immutability = f->immutability;
    if (cmd->count("--soft-delete-days") > 0) change.soft_delete_days = f->days;
    if (!f->grace.empty()) {
      auto d = sched::ParseDuration(f->grace);
      if (!d.ok()) return void(g.exit_code = Fail(d.status().Annotate("--prune-grace")));
      change.prune_grace_seconds = *d;
    }
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    Result<vault::VaultSettings> s = change.empty()
                                         ? (*v)->settings().Current()
                                         : ops::ChangeSettings(**v, change, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!s.ok()) return void(g.exit_code = Fail(s.status()));
    if (!change.empty()) LogEvent(g, "settings", SettingsJson(*s));
    if (g.json) {
      std::cout << SettingsJson(*s).dump() << "\n";
    } else {
      PrintSettings(*s);
    }
  });
}

}  // namespace

void AddRetentionCommands(CLI::App& app, GlobalFlags& g) {
  AddForget(app, g);
  AddUndelete(app, g);
  AddRetain(app, g);
  AddLock(app, g);
  AddUnlock(app, g);
  AddPurge(app, g);
  AddSettings(app, g);
}

}  // namespace cv::cli
