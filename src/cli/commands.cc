#include "cli/commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "backends/registry.h"
#include "cli/cli_common.h"
#include "core/vault_layout.h"
#include "crypto/key_slot.h"
#include "http/retry.h"
#include "ops/backup.h"
#include "ops/backup_marks_ops.h"
#include "ops/cluster_map.h"
#include "ops/config.h"
#include "ops/doctor.h"
#include "ops/list.h"
#include "ops/maintain.h"
#include "ops/node_session.h"
#include "ops/progress.h"
#include "ops/restore.h"
#include "ops/run_lock.h"
#include "ops/verify.h"

namespace cv::cli {
namespace {

using nlohmann::json;

int ExitFor(StatusCode c) {
  switch (c) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitConfig;
    case StatusCode::kNotFound:
      return kExitNotFound;
    case StatusCode::kCorruption:
      return kExitCorruption;
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return kExitAccess;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
      return kExitState;
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
    case StatusCode::kDeadlineExceeded:
      return kExitUnavailable;
    default:
      return kExitFailure;
  }
}

}  // namespace

// Shared with policy_commands.cc and daemon_commands.cc (cli/cli_common.h).
Result<ops::Config> Load(const GlobalFlags& g) {
  CV_ASSIGN_OR_RETURN(ops::Config config, ops::LoadConfig(ops::ResolveConfigPath(g.config)));
  if (!g.max_bandwidth.empty()) {
    auto rate = ops::ParseByteRate(g.max_bandwidth);
    if (!rate.ok()) return rate.status().Annotate("--max-bandwidth");
    config.store.max_bandwidth = *rate;
  }
  return config;
}

Result<std::unique_ptr<vault::Vault>> OpenVaultOf(const GlobalFlags& g) {
  CV_ASSIGN_OR_RETURN(ops::Config cfg, Load(g));
  return ops::OpenVault(cfg);
}

bool Interactive(const GlobalFlags& g) { return !g.json && ::isatty(STDERR_FILENO); }

// Off a terminal (cron, systemd, CI) each finished operation leaves one JSON log line on stderr, for
// log collectors; on a terminal the progress line and the summary on stdout say the same.
void LogEvent(const GlobalFlags& g, const std::string& op, json fields) {
  if (g.json || ::isatty(STDERR_FILENO)) return;
  auto now = std::chrono::system_clock::now();
  fields["ts"] =
      layout::FormatTime(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  fields["level"] = "info";
  fields["op"] = op;
  if (auto c = http::GlobalRetryCounters(); c.attempts > 0) {
    fields["requests"] = c.attempts;
    fields["retries"] = c.retries;
  }
  std::cerr << fields.dump() << "\n";
}

// Record fields come from whoever holds the key, which may be another node of a shared vault: control
// characters are shown escaped, never sent to the terminal.
std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void Warn(std::string_view what) { std::cerr << "cassvault: warning: " << Printable(what) << "\n"; }

void AddPriorityFlag(CLI::App* cmd, GlobalFlags& g, const char* default_from) {
  cmd->add_option(
         "--priority", g.priority,
         std::string(
             "background (SCHED_IDLE, nice 19, idle I/O class: Cassandra first) or normal; default: ") +
             default_from)
      ->check(CLI::IsMember({"background", "normal"}));
}

Status ApplyPriority(const GlobalFlags& g, env::Priority configured) {
  env::Priority p = configured;
  if (!g.priority.empty()) {
    CV_ASSIGN_OR_RETURN(p, env::ParsePriority(g.priority, "--priority"));
  }
  CV_ASSIGN_OR_RETURN(env::PriorityApplied applied, env::ApplyProcessPriority(p));
  if (!applied.note.empty()) Warn("priority: " + applied.note);
  return Status::OK();
}

// Objects the vault skipped because they did not check out: one warning line each, on stderr.
void WarnVaultProblems(const vault::Vault& v) {
  for (const auto& p : v.Problems()) Warn(p.object + ": " + p.problem);
}

Result<crypto::ScryptParams> KdfParams(int cost) {
  if (cost < crypto::kMinKdfCost || cost > crypto::kMaxKdfCost) {
    return Status::InvalidArgument("--kdf-cost " + std::to_string(cost),
                                   "must be " + std::to_string(crypto::kMinKdfCost) + ".." +
                                       std::to_string(crypto::kMaxKdfCost) + " (log2 of scrypt's N)");
  }
  return crypto::ScryptForCost(cost);
}

// A new slot never takes a key file that looks typed: HKDF does not stretch it like scrypt would.
Status RefuseWeakKeyFile(const crypto::KeySecret& s, const std::string& path) {
  if (!s.weak_text_key_file) return Status::OK();
  return Status::InvalidArgument("key file " + path,
                                 "holds printable text that is not base64: a passphrase in a file is not a "
                                 "key. Use `cassvault key generate-file PATH`, or a passphrase slot");
}

namespace {

void PrintRecordLine(const BackupRecord& r) {
  std::cout << r.backup_id << "  tag=" << Printable(r.tag) << "  node=" << Printable(r.address)
            << "  dc=" << Printable(r.data_center) << "  cluster=" << Printable(r.cluster_name) << "  "
            << layout::FormatTime(r.started) << "  tables=" << r.tables << "  files=" << r.files
            << "  size=" << ops::HumanBytes(r.bytes) << "  new=" << ops::HumanBytes(r.new_bytes) << " ("
            << r.new_files << " files)\n";
}

// Where the CPU time went, stage by stage, and per GB of `bytes` (what was read or written): bench/run
// puts it in its results. Process CPU time of the command's own run (user + system, all threads).
json CpuJson(const std::vector<pipeline::CpuStages::Line>& lines, double total, uint64_t bytes) {
  double gb = static_cast<double>(bytes) / 1e9;
  json stages = json::array();
  for (const auto& l : lines)
    stages.push_back({{"stage", l.name}, {"seconds", l.seconds}, {"per_gb", gb > 0 ? l.seconds / gb : 0.0}});
  return {{"seconds", total}, {"per_gb", gb > 0 ? total / gb : 0.0}, {"bytes", bytes}, {"stages", stages}};
}

json RecordJson(const BackupRecord& r) {
  return {{"backup_id", r.backup_id},
          {"tag", r.tag},
          {"mode", r.mode},
          {"cluster", r.cluster_name},
          {"host_id", r.host_id},
          {"address", r.address},
          {"data_center", r.data_center},
          {"rack", r.rack},
          {"node_id", r.node_id},
          {"cluster_id", r.cluster_id},        // "" for records older than cluster ids, and v1 vaults
          {"member_count", r.members.size()},  // the members this node saw (list --cluster shows them)
          {"started", layout::FormatTime(r.started)},
          {"finished", layout::FormatTime(r.finished)},
          {"tables", r.tables},
          {"files", r.files},
          {"bytes", r.bytes},
          {"new_files", r.new_files},
          {"new_bytes", r.new_bytes},
          {"stored_bytes", r.stored_bytes}};
}

// A new key file at `path` and a writer slot it opens: what `init --write-only` gives the nodes.
Result<std::string> AddWriterKeyFile(vault::Vault& v, const std::string& path) {
  CV_RETURN_IF_ERROR(crypto::WriteNewKeyFile(path));
  CV_ASSIGN_OR_RETURN(crypto::KeySecret secret, crypto::LoadKeyFile(path));
  return v.AddKeySlot(secret, {}, crypto::KeyRole::kWriter);
}

// --- init ---------------------------------------------------------------------------------------
void AddInit(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("init", "create a new vault (config and first key slot)");
  auto url = std::make_shared<std::string>();
  auto cost = std::make_shared<int>(crypto::kDefaultKdfCost);
  auto format = std::make_shared<int>(2);
  auto writer_key = std::make_shared<std::string>();
  cmd->add_option("--format", *format, "vault format: 2 (default) or 1 (readable by releases before v2)");
  cmd->add_option("--write-only", *writer_key,
                  "also write a new key file at PATH (mode 0600, never overwrites) with a writer slot: nodes "
                  "holding it back up, list and fast-verify, but cannot read any backup back")
      ->type_name("PATH");
  cmd->add_option("--vault", *url,
                  "vault URL (default: vault.url of the config), e.g. file:///var/backups/cassvault");
  cmd->add_option(
      "--kdf-cost", *cost,
      "passphrase slot: log2 of scrypt's work N*p, 15..20 (default 17: ~0.4 s with 64 MiB; each step doubles "
      "the time, memory stays at most 64 MiB)");
  cmd->callback([&g, url, cost, format, writer_key] {
    auto params = KdfParams(*cost);
    if (!params.ok()) return void(g.exit_code = Fail(params.status()));
    if (!writer_key->empty() && *format != 2) {
      return void(g.exit_code = Fail(Status::InvalidArgument(
                      "--write-only", "needs format 2 (format 1 has one key that reads and writes)")));
    }
    std::error_code ec;
    if (!writer_key->empty() &&
        std::filesystem::symlink_status(*writer_key, ec).type() != std::filesystem::file_type::not_found) {
      return void(
          g.exit_code = Fail(Status::AlreadyExists(
              "--write-only " + *writer_key, "exists; a key file is never overwritten: pick a new path")));
    }
    auto cfg = Load(g);
    if (!cfg.ok()) {
      g.exit_code = Fail(cfg.status());
      return;
    }
    std::string where = url->empty() ? cfg->vault_url : *url;
    auto store = backends::OpenStore(where, cfg->store, true);
    if (!store.ok()) {
      g.exit_code = Fail(store.status());
      return;
    }
    auto secret = ops::LoadKeySecret(*cfg, true);
    if (!secret.ok()) {
      g.exit_code = Fail(secret.status());
      return;
    }
    if (Status weak = RefuseWeakKeyFile(*secret, cfg->key_file); !weak.ok())
      return void(g.exit_code = Fail(weak));
    // What the store enforces by itself (S3 Object Lock, Azure immutability): printed, never a failure.
    auto locks = (*store)->ProbeLocks();
    auto v = vault::Vault::Init(std::move(store).value(), *secret, *params, *format);
    if (!v.ok()) {
      g.exit_code = Fail(v.status());
      return;
    }
    json out = {{"vault", where}, {"vault_id", (*v)->vault_id()}, {"format", (*v)->format()}};
    if (locks.ok()) {
      out["store_locks"] = {
          {"object_lock", locks->object_lock}, {"versioning", locks->versioning}, {"detail", locks->detail}};
    }
    if (!writer_key->empty()) {
      auto writer = AddWriterKeyFile(**v, *writer_key);
      if (!writer.ok()) return void(g.exit_code = Fail(writer.status().Annotate("init --write-only")));
      out["writer_slot"] = *writer;
      out["writer_key_file"] = *writer_key;
    }
    if (g.json) {
      std::cout << out.dump() << "\n";
    } else {
      std::cout << "created vault " << (*v)->vault_id() << " (format " << (*v)->format() << ") at " << where
                << "\n";
      std::cout << "store locks: "
                << (locks.ok() ? locks->detail : "not probed (" + locks.status().ToString() + ")") << "\n";
      if (!writer_key->empty()) {
        std::cout << "wrote writer key file " << *writer_key << " (slot "
                  << out["writer_slot"].get<std::string>()
                  << "): give it to the nodes; they back up, list and fast-verify, and cannot read backups. "
                     "Keep the key you created the vault with for restores, off the nodes\n";
      }
    }
  });
}

// --- backup -------------------------------------------------------------------------------------
void AddBackup(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("backup", "snapshot the node and store it in the vault");
  auto o = std::make_shared<ops::BackupOptions>();
  cmd->add_option("--tag", o->tag,
                  "backup tag (default: manual-<UTC time>); same tag on every node = one cluster backup");
  cmd->add_option("--keyspace", o->includes, "KS or KS.TABLE to include (globs allowed; repeatable)");
  cmd->add_option("--exclude", o->excludes, "KS or KS.TABLE to leave out (repeatable)");
  cmd->add_flag("--offline", o->offline, "the node is stopped: read its live table directories, no nodetool");
  auto policy = std::make_shared<std::string>();
  auto wait = std::make_shared<bool>(false);
  auto* policy_opt = cmd->add_option(
      "--policy", *policy,
      "run policy NAME's latest slot now: its tag, selection and after_success (docs/policies.md)");
  for (const char* other : {"--tag", "--keyspace", "--exclude", "--offline"}) policy_opt->excludes(other);
  cmd->add_flag("--wait", *wait,
                "when another cassvault is backing up this node, wait for it (default: fail, exit 7)");
  AddPriorityFlag(cmd, g, "backup.priority (background)");
  cmd->callback([&g, o, policy, wait] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    if (Status st = ApplyPriority(g, cfg->pacing.backup_priority); !st.ok())
      return void(g.exit_code = Fail(st));
    // One backup at a time per node, with the daemon too (ops/run_lock.h).
    auto lock = TakeRunLock(*cfg, policy->empty() ? "backup" : "backup --policy " + *policy, *wait);
    if (!lock.ok()) return void(g.exit_code = Fail(lock.status().Annotate("backup")));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    if (!policy->empty()) return void(g.exit_code = BackupPolicyNow(g, *cfg, **v, *policy));
    o->show_progress = Interactive(g);
    o->warn = [](const std::string& w) { Warn(w); };
    auto r = ops::RunBackup(*cfg, **v, *o);
    WarnVaultProblems(**v);
    if (!r.ok()) return void(g.exit_code = Fail(r.status().Annotate("backup")));
    LogEvent(g, "backup", RecordJson(r->record));
    if (g.json) {
      json j = RecordJson(r->record);
      j["new_components"] = r->new_components;
      j["files_read"] = r->files_read;
      j["bytes_read"] = r->bytes_read;
      j["cache_hits"] = r->cache_hits;
      j["seconds"] = r->seconds;
      j["cpu"] = CpuJson(r->cpu_stages, r->cpu_seconds, r->bytes_read);
      j["snapshot_held_seconds"] = r->snapshot_held_seconds;
      j["nodetool_runs"] = r->nodetool_runs;
      j["nodetool_cpu_seconds"] = r->nodetool_cpu_seconds;
      j["requests"] = http::GlobalRetryCounters().attempts;
      j["retries"] = http::GlobalRetryCounters().retries;
      std::cout << j.dump() << "\n";
    } else {
      const auto& rec = r->record;
      // Throughput over what the backup covers: unchanged files count, unread, at cache speed.
      double mbps = r->seconds > 0 ? static_cast<double>(rec.bytes) / r->seconds / 1e6 : 0;
      std::cout << "backup " << rec.backup_id << " committed: tag " << rec.tag << ", " << rec.tables
                << " tables, " << rec.files << " files, " << ops::HumanBytes(rec.bytes) << " in "
                << r->seconds << " s (" << static_cast<int>(mbps) << " MB/s); new " << rec.new_files
                << " files (" << ops::HumanBytes(rec.new_bytes) << "), stored "
                << ops::HumanBytes(rec.stored_bytes) << "; read " << ops::HumanBytes(r->bytes_read) << ", "
                << r->cache_hits << " files known unchanged\n";
      if (r->nodetool_runs > 0) {
        std::cout << "snapshot held " << r->snapshot_held_seconds << " s; nodetool ran " << r->nodetool_runs
                  << "x, " << r->nodetool_cpu_seconds << " CPU-s\n";
      }
    }
  });
}

// --- list ---------------------------------------------------------------------------------------
// Bad flag values are usage errors (exit 2), named with the forms accepted; nothing is read.
int FailUsage(const Status& st) {
  Fail(st);
  return kExitUsage;
}

void PrintClusterLine(const ops::ClusterBackup& c) {
  std::string dcs;
  for (const auto& d : c.data_centers) dcs += (dcs.empty() ? "" : ",") + Printable(d);
  std::cout << "tag=" << Printable(c.tag) << "  " << c.state;
  if (c.state != "unknown") std::cout << "  " << Printable(ops::DescribeCompleteness(c));
  std::cout << "  nodes=" << c.nodes.size() << "  backups=" << c.backups << "  dcs=" << dcs << "  "
            << layout::FormatTime(c.started) << " .. " << layout::FormatTime(c.finished)
            << "  size=" << ops::HumanBytes(c.bytes) << "  new=" << ops::HumanBytes(c.new_bytes)
            << "  stored=" << ops::HumanBytes(c.stored_bytes) << "\n";
}

json MemberJson(const ClusterMember& m) {
  return {{"host_id", m.host_id}, {"address", m.address}, {"data_center", m.data_center}, {"rack", m.rack}};
}

json ClusterJson(const ops::ClusterBackup& c) {
  json members = json::array(), dcs = json::array();
  for (const auto& m : c.members) members.push_back(MemberJson(m));
  for (const auto& d : c.per_dc) {
    json missing = json::array();
    for (const auto& m : d.missing) {
      json j = MemberJson(m.member);
      j["running"] = m.running;
      j["why"] = m.why;
      missing.push_back(std::move(j));
    }
    dcs.push_back({{"data_center", d.data_center},
                   {"committed", d.committed},
                   {"expected", d.expected},
                   {"missing", std::move(missing)}});
  }
  return {{"tag", c.tag},
          {"state", c.state},
          {"cluster_ids", std::vector<std::string>(c.cluster_ids.begin(), c.cluster_ids.end())},
          {"committed", c.committed},
          {"expected", c.expected},
          {"members", std::move(members)},
          {"completeness", std::move(dcs)},
          {"clusters", std::vector<std::string>(c.clusters.begin(), c.clusters.end())},
          {"nodes", c.nodes.size()},
          {"host_ids", std::vector<std::string>(c.nodes.begin(), c.nodes.end())},
          {"data_centers", std::vector<std::string>(c.data_centers.begin(), c.data_centers.end())},
          {"backups", c.backups},
          {"started", layout::FormatTime(c.started)},
          {"finished", layout::FormatTime(c.finished)},
          {"bytes", c.bytes},
          {"new_bytes", c.new_bytes},
          {"stored_bytes", c.stored_bytes}};
}

// `list` reads records one by one past what a consolidation covers; past this many, it suggests one.
constexpr size_t kConsolidateHint = 1000;

void AddList(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("list", "list the backups in the vault");
  struct Flags {
    std::string node, tag, since, until, limit;
    bool cluster = false, deleted = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--node", f->node, "only this node's backups: its host id, address or vault node id")
      ->type_name("HOST_ID|ADDRESS|NODE_ID");
  cmd->add_option("--tag", f->tag, "only backups with this tag");
  cmd->add_option("--since", f->since,
                  "only backups started at or after (UTC): 2026-12-06 or 2026-12-06T10:15Z")
      ->type_name("DATE|TIME");
  cmd->add_option("--until", f->until,
                  "only backups started at or before (UTC; a date includes its whole day)")
      ->type_name("DATE|TIME");
  cmd->add_option("--limit", f->limit, "only the newest N backups (after the other filters)")->type_name("N");
  cmd->add_flag("--cluster", f->cluster,
                "one line per cluster backup (tag): complete, running, partial (members missing, per data "
                "center) or unknown; nodes, data centers, first start .. last finish, bytes");
  cmd->add_flag("--deleted", f->deleted,
                "only the deleted (forgotten, not yet purged) backups, with when they may be purged and why; "
                "`cassvault undelete` brings one back");
  cmd->callback([&g, f] {
    auto filter = ops::MakeListFilter(f->node, f->tag, f->since, f->until, f->limit);
    if (!filter.ok()) return void(g.exit_code = FailUsage(filter.status()));
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto all = (*v)->ListBackups();
    WarnVaultProblems(**v);
    if (!all.ok()) return void(g.exit_code = Fail(all.status()));
    if (size_t one_by_one = (*v)->catalog().last_list().one_by_one; one_by_one > kConsolidateHint) {
      std::cerr
          << "cassvault: note: " << one_by_one
          << " backup records were read one request each; `cassvault maintain` consolidates the catalog "
             "so that list reads them in a few requests\n";
    }
    // Forgotten backups are hidden (v2: the admin's signed marks, one LIST and a GET per mark object).
    auto marks = ops::LoadMarks(**v);
    WarnVaultProblems(**v);
    if (!marks.ok()) return void(g.exit_code = Fail(marks.status()));
    std::map<std::string, marks::BackupState> deleted;
    std::vector<BackupRecord> list =
        ops::FilterRecords(ops::ApplyMarks(std::move(all).value(), *marks, f->deleted, &deleted), *filter);
    if (f->deleted && !f->cluster) {
      if (g.json) {
        json a = json::array();
        for (const auto& r : list) {
          const marks::BackupState& s = deleted[r.backup_id];
          json j = RecordJson(r);
          j["deleted_at"] = layout::FormatTime(s.deleted_at);
          j["purge_after"] = layout::FormatTime(s.purge_after);
          j["reason"] = s.reason;
          j["deleted_by"] = s.by;
          a.push_back(std::move(j));
        }
        std::cout << a.dump() << "\n";
      } else {
        if (list.empty()) std::cout << "no deleted backups\n";
        for (const auto& r : list) {
          const marks::BackupState& s = deleted[r.backup_id];
          std::cout << r.backup_id << "  tag=" << Printable(r.tag) << "  node=" << Printable(r.address)
                    << "  deleted=" << layout::FormatTime(s.deleted_at)
                    << "  purge_after=" << layout::FormatTime(s.purge_after)
                    << "  reason=" << Printable(s.reason) << "  by=" << Printable(s.by) << "\n";
        }
      }
      return;
    }
    if (f->cluster) {
      auto summary = ops::SummariseCluster(list);
      // Why a recent tag is not complete, and whether a node is still at it: the daemons' run records.
      // A v1 vault has none; any other failure to read them leaves the view as the records make it.
      const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      auto notes = ops::RecentRunNotes(**v, summary, now);
      if (notes.ok() && !notes->empty()) {
        summary = ops::SummariseCluster(list, &*notes);
      } else if (!notes.ok() && notes.status().code() != StatusCode::kNotSupported) {
        Warn("run records not read (" + notes.status().ToString() + "); completeness shown without them");
      }
      if (g.json) {
        json a = json::array();
        for (const auto& c : summary) a.push_back(ClusterJson(c));
        std::cout << a.dump() << "\n";
      } else {
        if (summary.empty()) std::cout << "no backups match\n";
        for (const auto& c : summary) PrintClusterLine(c);
      }
      return;
    }
    if (g.json) {
      // One record at a time: a document of 50,000 records would take more memory than the whole list.
      std::cout << "[";
      for (size_t i = 0; i < list.size(); ++i) std::cout << (i ? "," : "") << RecordJson(list[i]).dump();
      std::cout << "]\n";
    } else {
      if (list.empty())
        std::cout << (filter->node.empty() && filter->tag.empty() && !filter->since && !filter->until
                          ? "no backups yet\n"
                          : "no backups match\n");
      for (const auto& r : list) PrintRecordLine(r);
    }
  });
}

// --- maintain -------------------------------------------------------------------------------------
void AddMaintain(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand(
      "maintain", "vault housekeeping any key that lists may run: consolidate the catalog (for a fast list)");
  AddPriorityFlag(cmd, g, "backup.priority (background)");
  cmd->callback([&g] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    if (Status st = ApplyPriority(g, cfg->pacing.backup_priority); !st.ok())
      return void(g.exit_code = Fail(st));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto r = ops::RunMaintain(**v);
    WarnVaultProblems(**v);
    if (!r.ok()) return void(g.exit_code = Fail(r.status().Annotate("maintain")));
    const auto& c = r->catalog;
    json j = {{"catalog",
               {{"supported", r->catalog_supported},
                {"written", c.key},
                {"superseded", c.superseded},
                {"records", c.records},
                {"reused", c.reused},
                {"fetched", c.fetched},
                {"skipped", c.skipped},
                {"bytes", c.bytes}}},
              {"seconds", r->seconds}};
    LogEvent(g, "maintain", j);
    if (g.json) {
      std::cout << j.dump() << "\n";
    } else if (!r->catalog_supported) {
      std::cout << "catalog: a format 1 vault has no consolidated catalog; nothing to do\n";
    } else if (c.key.empty()) {
      std::cout << "catalog: up to date (" << c.superseded << " covers all " << c.records
                << " backup records)\n";
    } else {
      std::cout << "catalog: wrote " << c.key << " covering " << c.records << " backup records (";
      if (!c.superseded.empty()) std::cout << c.reused << " from " << c.superseded << ", ";
      std::cout << c.fetched << " read one by one, " << c.skipped << " skipped), " << ops::HumanBytes(c.bytes)
                << " in " << r->seconds << " s\n";
    }
  });
}

// --- restore ------------------------------------------------------------------------------------
void AddRestore(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("restore", "restore a backup into the node, or into a directory");
  auto o = std::make_shared<ops::RestoreOptions>();
  cmd->add_option("--backup", o->backup, "backup id or tag (this node's newest backup with it)");
  cmd->add_option("--cluster-tag", o->cluster_tag,
                  "tag of a cluster backup: restore this node's backup of it (found by host id, else by "
                  "tokens, else by address)")
      ->type_name("TAG");
  cmd->add_option("--keyspace", o->includes,
                  "KS or KS.TABLE to restore (repeatable; default: all user tables)");
  cmd->add_option("--mode", o->mode,
                  "offline (node stopped; files placed), live (nodetool import) or load (every node's backup "
                  "streamed by sstableloader into a cluster of any shape)")
      ->check(CLI::IsMember({"offline", "live", "load"}));
  cmd->add_option("--target-dir", o->target_dir, "only materialise the SSTables under DIR/<ks>/<table>");
  cmd->add_option("--rename", o->renames, "KS.T=KS2.T2 or KS=KS2: restore under another name (repeatable)");
  cmd->add_flag("--dry-run", o->dry_run, "print what would be done; change nothing");
  cmd->add_option(
      "--from-node", o->from_node,
      "HOST_ID or ADDRESS of the node this one replaces: restore its backup here, with its tokens");
  cmd->add_flag("--topology-change", o->topology_change,
                "restore although this node owns other tokens than the backup's (rows outside its ranges "
                "are not served)");
  cmd->add_option(
      "--node-map", o->node_map,
      "FILE from `cassvault cluster-map`: restore, onto this node of a new cluster, the backup of "
      "the node the file maps it to (--backup is the cluster backup's tag)");
  cmd->add_flag("--with-roles", o->with_roles,
                "restore system_auth too: the backup's roles, password hashes and permissions");
  cmd->add_flag(
      "--ignore-gc-grace", o->ignore_gc_grace,
      "restore a backup older than gc_grace_seconds of a replicated table (deleted rows may return)");
  // --mode load (docs/restore.md, "Another shape")
  auto staging_max = std::make_shared<std::string>();
  cmd->add_option("--staging-dir", o->staging_dir, "load: where each table is staged before sstableloader");
  cmd->add_option("--staging-max", *staging_max,
                  "load: bytes one table may take in --staging-dir (e.g. 20GiB)");
  cmd->add_option("--throttle-mib", o->throttle_mib, "load: sstableloader's limit in MiB/s (0: none)")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--load-hosts", o->load_hosts,
                  "load: contact points of the target cluster (default load.hosts)")
      ->delimiter(',');
  AddPriorityFlag(cmd, g, "restore.priority (normal: a restore is the emergency)");
  cmd->callback([&g, o, staging_max] {
    // Exactly one of --backup and --cluster-tag: a usage error (exit 2) before anything is read.
    if (o->backup.empty() == o->cluster_tag.empty())
      return void(g.exit_code = FailUsage(Status::InvalidArgument(
                      "restore", "name what to restore with one of --backup ID|TAG or --cluster-tag TAG")));
    if (!o->cluster_tag.empty() && o->mode == "load")
      return void(g.exit_code = FailUsage(Status::InvalidArgument(
                      "--cluster-tag",
                      "picks one node's backup; --mode load streams every node's backup "
                      "of a tag: use --backup TAG")));
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    if (Status st = ApplyPriority(g, cfg->pacing.restore_priority); !st.ok())
      return void(g.exit_code = Fail(st));
    if (!staging_max->empty()) {
      auto b = ops::ParseByteRate(*staging_max);
      if (!b.ok() || *b == 0)
        return void(g.exit_code = Fail(Status::InvalidArgument("--staging-max '" + *staging_max + "'",
                                                               "expected a size such as 20GiB")));
      o->staging_max = *b;
    }
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    o->show_progress = Interactive(g) && !o->dry_run;
    auto r = ops::RunRestore(*cfg, **v, *o);
    WarnVaultProblems(**v);
    if (!r.ok()) return void(g.exit_code = Fail(r.status().Annotate("restore")));
    LogEvent(g, "restore",
             {{"backup_id", r->backup_id},
              {"dry_run", o->dry_run},
              {"tables", r->tables},
              {"files_written", r->files_written},
              {"bytes_written", r->bytes_written},
              {"seconds", r->seconds}});
    if (g.json) {
      std::cout << json{{"backup_id", r->backup_id},
                        {"dry_run", o->dry_run},
                        {"plan", r->plan},
                        {"tables", r->tables},
                        {"files_written", r->files_written},
                        {"files_already_present", r->files_already_present},
                        {"bytes_written", r->bytes_written},
                        {"seconds", r->seconds},
                        {"cpu", CpuJson(r->cpu_stages, r->cpu_seconds, r->bytes_written)},
                        {"next_steps", r->next_steps},
                        {"requests", http::GlobalRetryCounters().attempts},
                        {"retries", http::GlobalRetryCounters().retries}}
                       .dump()
                << "\n";
    } else if (o->dry_run) {
      std::cout << "dry run of restoring backup " << r->backup_id << " (nothing is changed):\n";
      for (const auto& line : r->plan) std::cout << "  " << line << "\n";
    } else {
      std::cout << "restored backup " << r->backup_id << ": " << r->tables << " tables, " << r->files_written
                << " files written (" << ops::HumanBytes(r->bytes_written) << "), "
                << r->files_already_present << " already in place, in " << r->seconds << " s\n";
      for (const auto& line : r->plan) {
        if (line.starts_with("tokens:") || line.starts_with("wrote ") || line.starts_with("warning:") ||
            line.starts_with("loaded ") || line.starts_with("skip "))
          std::cout << "  " << line << "\n";
      }
    }
    if (!g.json && !r->next_steps.empty()) {
      std::cout << (o->dry_run ? "after the restore:\n" : "next:\n");
      for (size_t i = 0; i < r->next_steps.size(); ++i)
        std::cout << "  " << i + 1 << ". " << r->next_steps[i] << "\n";
    }
  });
}

// --- cluster-map ---------------------------------------------------------------------------------
void AddClusterMap(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand(
      "cluster-map",
      "map a cluster backup's nodes onto a new cluster of the same shape (for restore --node-map)");
  auto o = std::make_shared<ops::ClusterMapOptions>();
  cmd->add_option("--backup", o->backup, "tag of the cluster backup (every node's backup with it)")
      ->required();
  cmd->add_option("--target-nodes", o->target_nodes_file, "FILE with one `ADDRESS DC RACK` line per new node")
      ->required();
  cmd->add_option("--dc-map", o->dc_map, "SOURCE_DC=TARGET_DC (repeatable)");
  cmd->add_option("--out", o->out, "write the node map to FILE (never overwritten); default: stdout");
  cmd->callback([&g, o] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto r = ops::RunClusterMap(**v, *o);
    WarnVaultProblems(**v);
    if (!r.ok()) return void(g.exit_code = Fail(r.status().Annotate("cluster-map")));
    if (g.json) {
      json nodes = json::array();
      for (const auto& [target, source] : r->map.nodes) {
        for (const auto& s : r->sources) {
          if (s.host_id != source && s.address != source) continue;
          nodes.push_back({{"target", target},
                           {"source_host_id", s.host_id},
                           {"source_address", s.address},
                           {"backup_id", s.backup_id},
                           {"dc", s.dc},
                           {"rack", s.rack},
                           {"tokens", s.tokens}});
        }
      }
      std::cout
          << json{{"nodes", nodes}, {"dc_map", r->map.dc_map}, {"file", r->text}, {"out", o->out}}.dump()
          << "\n";
    } else if (o->out.empty()) {
      std::cout << r->text;
    } else {
      std::cout << "wrote " << o->out << ": " << r->map.nodes.size() << " nodes mapped\n";
    }
  });
}

// --- verify -------------------------------------------------------------------------------------
void AddVerify(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand("verify", "check that backups are complete (and, --deep, intact)");
  auto backup = std::make_shared<std::string>();
  auto deep = std::make_shared<bool>(false);
  cmd->add_option("--backup", *backup, "backup id or tag (default: all)");
  cmd->add_flag("--deep", *deep, "read and check every byte");
  AddPriorityFlag(cmd, g, "backup.priority (background)");
  cmd->callback([&g, backup, deep] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    if (Status st = ApplyPriority(g, cfg->pacing.backup_priority); !st.ok())
      return void(g.exit_code = Fail(st));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto r = ops::RunVerify(**v, *backup, *deep);
    if (!r.ok()) return void(g.exit_code = Fail(r.status().Annotate("verify")));
    LogEvent(
        g, "verify",
        {{"ok", r->ok()}, {"deep", *deep}, {"backups", r->backups.size()}, {"problems", r->problems.size()}});
    if (g.json) {
      json probs = json::array();
      for (const auto& p : r->problems)
        probs.push_back({{"object", p.object}, {"problem", p.problem}, {"affected", p.affected}});
      std::cout
          << json{{"ok", r->ok()},     {"backups", r->backups},       {"blobs", r->blobs},
                  {"packs", r->packs}, {"bytes_read", r->bytes_read}, {"duplicate_blobs", r->duplicate_blobs},
                  {"problems", probs}}
                 .dump()
          << "\n";
    } else {
      std::cout << (*deep ? "deep " : "") << "verify of " << r->backups.size() << " backups: " << r->blobs
                << " blobs in " << r->packs << " packs"
                << (*deep ? ", " + ops::HumanBytes(r->bytes_read) + " read" : "") << "\n";
      for (const auto& p : r->problems) {
        std::cout << "PROBLEM " << Printable(p.object) << ": " << Printable(p.problem) << "\n";
        for (const auto& a : p.affected) std::cout << "  affects " << Printable(a) << "\n";
      }
      std::cout << (r->ok() ? "OK\n" : "FAILED\n");
    }
    if (!r->ok()) g.exit_code = kExitCorruption;
  });
}

}  // namespace

int ExitCodeFor(const Status& st) { return ExitFor(st.code()); }

int Fail(const Status& st) {
  std::cerr << "cassvault: " << st.ToString() << "\n";
  return ExitCodeFor(st);
}

// --- doctor -------------------------------------------------------------------------------------
namespace {
// {"key": "writer", "identity": "backup node", "backup": {"can": true}, "restore": {"can": false,
// "missing": "a reader or admin key"}, ..., "excess": ["..."]}
json DoctorRolesJson(const ops::RoleSummary& s) {
  json j{{"key", s.key}, {"identity", s.identity}, {"excess", s.excess}};
  for (auto [name, v] : {std::pair{"backup", &s.backup}, std::pair{"restore", &s.restore},
                         std::pair{"prune", &s.prune}, std::pair{"admin", &s.admin}}) {
    j[name] = v->can ? json{{"can", true}} : json{{"can", false}, {"missing", v->missing}};
  }
  return j;
}
}  // namespace

void AddDoctor(CLI::App& app, GlobalFlags& g) {
  auto* cmd =
      app.add_subcommand("doctor", "check that the vault is reachable and what this identity may do there");
  cmd->callback([&g] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    auto store = backends::OpenStore(cfg->vault_url, cfg->store, false);
    if (!store.ok()) return void(g.exit_code = Fail(store.status().Annotate("doctor")));
    ops::DoctorReport r = ops::RunDoctor(*cfg, std::move(store).value());
    if (g.json) {
      json checks = json::array();
      for (const auto& c : r.checks) {
        checks.push_back({{"check", c.name}, {"outcome", ops::OutcomeName(c.outcome)}, {"detail", c.detail}});
      }
      std::cout << json{{"vault", r.vault},
                        {"checks", checks},
                        {"can_read", r.can_read},
                        {"can_list", r.can_list},
                        {"can_create", r.can_create},
                        {"can_delete", r.can_delete},
                        {"store_object_lock", r.store_object_lock},
                        {"store_versioning", r.store_versioning},
                        {"roles", DoctorRolesJson(r.roles)}}
                       .dump()
                << "\n";
    } else {
      std::cout << "vault " << r.vault << "\n";
      for (const auto& c : r.checks) {
        std::string outcome(ops::OutcomeName(c.outcome));
        outcome.resize(8, ' ');
        std::cout << "  " << outcome << c.name << ": " << c.detail << "\n";
      }
    }
    if (!r.first_failure.ok()) g.exit_code = ExitFor(r.first_failure.code());
  });
}

void RegisterCommands(CLI::App& app, GlobalFlags& g) {
  AddDoctor(app, g);
  AddInit(app, g);
  AddBackup(app, g);
  AddList(app, g);
  AddMaintain(app, g);
  AddRestore(app, g);
  AddClusterMap(app, g);
  AddVerify(app, g);
  AddKeyCommands(app, g);
  AddPolicyCommands(app, g);
  AddRetentionCommands(app, g);
  AddPruneCommands(app, g);
  AddAuditCommands(app, g);
  AddApprovalCommands(app, g);
  AddDaemonCommands(app, g);
}

}  // namespace cv::cli
