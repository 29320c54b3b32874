// src/cli/prune_commands.cc — `cassvault prune`: retention, purge and garbage collection (ops/prune.h).
// Without rule flags each policy's own retention judges its tags; with them, the flags judge every tag (or
// those of --policy).
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/cli_common.h"
#include "core/schedule.h"
#include "core/vault_layout.h"
#include "env/clock.h"
#include "ops/node_session.h"
#include "ops/prune.h"

namespace cv::cli {
namespace {

using nlohmann::json;

struct RuleFlags {
  std::optional<uint32_t> last, hourly, daily, weekly, monthly, yearly;
  std::string within, min_age, max_age, zone = "UTC", policy;
  bool dry_run = false;
};

// The rules the flags give (nullopt: no rule flag), or InvalidArgument naming the flag.
Result<std::optional<retention::Rules>> RulesOf(const RuleFlags& f) {
  retention::Rules r;
  r.keep_last = f.last;
  r.keep_hourly = f.hourly;
  r.keep_daily = f.daily;
  r.keep_weekly = f.weekly;
  r.keep_monthly = f.monthly;
  r.keep_yearly = f.yearly;
  auto duration = [](const std::string& text, std::string_view flag, std::optional<int64_t>* out) -> Status {
    if (text.empty()) return Status::OK();
    auto d = sched::ParseDuration(text);
    if (!d.ok()) {
      return Status::InvalidArgument(flag, "\"" + text +
                                               "\" is not a duration: give a number and a unit, e.g. "
                                               "90s, 10m, 36h, 7d");
    }
    *out = *d;
    return Status::OK();
  };
  CV_RETURN_IF_ERROR(duration(f.within, "--keep-within", &r.keep_within_seconds));
  CV_RETURN_IF_ERROR(duration(f.min_age, "--min-age", &r.min_age_seconds));
  CV_RETURN_IF_ERROR(duration(f.max_age, "--max-age", &r.max_age_seconds));
  if (!sched::IsKnownTimeZone(f.zone)) {
    return Status::InvalidArgument("--time-zone", "\"" + f.zone +
                                                      "\" is not a time zone the system knows "
                                                      "(an IANA name such as Europe/Berlin)");
  }
  if (!retention::AnyRule(r)) return std::optional<retention::Rules>();
  return std::optional<retention::Rules>(r);
}

json ReportJson(const ops::PruneReport& r, bool dry_run) {
  json tags = json::array();
  for (const ops::TagPlan& t : r.tags) {
    tags.push_back({{"tag", t.tag},
                    {"policy", t.policy},
                    {"state", t.state},
                    {"time", layout::FormatTime(t.time)},
                    {"backups", t.records.size()},
                    {"keep", t.keep},
                    {"reasons", t.reasons}});
  }
  json deleted = json::array();
  for (const ops::DeletedPlan& d : r.deleted) {
    deleted.push_back({{"backup_id", d.record.backup_id},
                       {"tag", d.record.tag},
                       {"host_id", d.record.host_id},
                       {"purge_after", layout::FormatTime(d.purge_after)},
                       {"locked_until", d.locked_until ? layout::FormatTime(d.locked_until) : ""},
                       {"action", d.action}});
  }
  json j = {{"dry_run", dry_run}, {"tags", tags}, {"deleted", deleted}, {"seconds", r.seconds}};
  if (!dry_run) {
    j["forgotten"] = r.forgotten;
    j["purged"] = r.purged;
    j["gc"] = {{"live_backups", r.gc.live_backups},
               {"live_blobs", r.gc.live_blobs},
               {"packs", r.gc.packs},
               {"dead_packs", r.gc.dead_packs},
               {"repacked_packs", r.gc.repacked_packs},
               {"candidates_marked", r.gc.candidates_marked},
               {"deleted_objects", r.gc.deleted_objects},
               {"deleted_bytes", r.gc.deleted_bytes},
               {"kept_resurrected", r.gc.kept_resurrected},
               {"skipped_locked", r.gc.skipped_locked},
               {"notes", r.gc.notes}};
    j["store_locks"] = {{"backups", r.store_locks.backups},
                        {"objects", r.store_locks.objects},
                        {"requests", r.store_locks.requests},
                        {"refused", r.store_locks.refused},
                        {"notes", r.store_locks.notes}};
  }
  return j;
}

void PrintReport(const ops::PruneReport& r, bool dry_run) {
  for (const ops::TagPlan& t : r.tags) {
    std::cout << (t.keep ? "keep   " : (dry_run ? "forget " : "forgot ")) << Printable(t.tag) << "  "
              << layout::FormatTime(t.time) << "  " << t.state << " (" << t.records.size() << " backup"
              << (t.records.size() == 1 ? "" : "s") << ")";
    for (size_t i = 0; i < t.reasons.size(); ++i) std::cout << (i ? ", " : "  ") << Printable(t.reasons[i]);
    std::cout << "\n";
  }
  for (const ops::DeletedPlan& d : r.deleted) {
    std::cout << "deleted " << Printable(d.record.backup_id) << " (" << Printable(d.record.tag) << ")  ";
    if (d.action == "purge") {
      std::cout << (dry_run ? "would be purged now" : "purged");
    } else if (d.action == "locked") {
      std::cout << "locked until " << layout::FormatTime(d.locked_until) << ": kept";
    } else {
      std::cout << "soft-deleted until " << layout::FormatTime(d.purge_after) << " (`cassvault undelete` "
                << "restores it)";
    }
    std::cout << "\n";
  }
  if (dry_run) {
    std::cout << "dry run: nothing was forgotten or deleted\n";
    return;
  }
  std::cout << "forgot " << r.forgotten << " backup(s), purged " << r.purged
            << "; garbage: " << r.gc.candidates_marked << " object(s) marked, " << r.gc.deleted_objects
            << " deleted (" << r.gc.deleted_bytes << " bytes), " << r.gc.repacked_packs
            << " pack(s) repacked";
  if (r.gc.skipped_locked) std::cout << ", " << r.gc.skipped_locked << " locked by the store (kept)";
  std::cout << "\n";
  if (r.store_locks.requests || r.store_locks.refused) {
    std::cout << "store locks: " << r.store_locks.objects << " object(s) of " << r.store_locks.backups
              << " locked backup(s), " << r.store_locks.requests << " lock request(s) sent, "
              << r.store_locks.refused << " refused\n";
  }
  for (const std::string& n : r.store_locks.notes) std::cout << "  " << Printable(n) << "\n";
  for (const std::string& n : r.gc.notes) std::cout << "  " << Printable(n) << "\n";
}

}  // namespace

void AddPruneCommands(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand(
      "prune", "apply retention, purge soft-deleted backups and remove unreferenced data (admin key)");
  auto f = std::make_shared<RuleFlags>();
  cmd->add_flag("--dry-run", f->dry_run, "print every backup with the rule that keeps it or why it goes");
  cmd->add_option("--keep-last", f->last, "keep the newest N complete cluster backups");
  cmd->add_option("--keep-hourly", f->hourly, "keep the last backup of each of the newest N hours");
  cmd->add_option("--keep-daily", f->daily, "... of each of the newest N days");
  cmd->add_option("--keep-weekly", f->weekly, "... of each of the newest N ISO weeks (Monday-Sunday)");
  cmd->add_option("--keep-monthly", f->monthly, "... of each of the newest N months");
  cmd->add_option("--keep-yearly", f->yearly, "... of each of the newest N years");
  cmd->add_option("--keep-within", f->within,
                  "keep everything within this long of the newest complete backup");
  cmd->add_option("--min-age", f->min_age, "never remove anything younger than this");
  cmd->add_option("--max-age", f->max_age, "remove what is older than this (floors and locks still keep)");
  cmd->add_option("--time-zone", f->zone, "IANA zone of the calendar periods (default UTC)");
  cmd->add_option("--policy", f->policy, "only this policy's tags");
  AddPriorityFlag(cmd, g, "backup.priority (background)");
  cmd->callback([&g, f] {
    auto rules = RulesOf(*f);
    if (!rules.ok()) return void(g.exit_code = Fail(rules.status().Annotate("prune")));
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    if (Status st = ApplyPriority(g, cfg->pacing.backup_priority); !st.ok())
      return void(g.exit_code = Fail(st));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    ops::PruneOptions o;
    o.dry_run = f->dry_run;
    o.rules = *rules;
    o.time_zone = f->zone;
    o.policy = f->policy;
    o.work_dir = cfg->cache_dir;
    o.now = env::UnixNow();
    auto r = ops::RunPrune(**v, o);
    WarnVaultProblems(**v);
    if (!r.ok()) return void(g.exit_code = Fail(r.status()));
    LogEvent(g, "prune",
             {{"dry_run", f->dry_run},
              {"forgotten", r->forgotten},
              {"purged", r->purged},
              {"deleted_objects", r->gc.deleted_objects},
              {"deleted_bytes", r->gc.deleted_bytes},
              {"seconds", r->seconds}});
    if (g.json) {
      std::cout << ReportJson(*r, f->dry_run).dump() << "\n";
    } else {
      PrintReport(*r, f->dry_run);
    }
  });
}

}  // namespace cv::cli
