#include "ops/restore_load.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>

#include "cassandra/bulk_loader.h"
#include "env/private_file.h"
#include "ops/load_journal.h"
#include "ops/node_session.h"
#include "ops/progress.h"
#include "ops/restore_load_plan.h"
#include "ops/restore_load_stage.h"
#include "ops/restore_plan.h"
#include "ops/restore_schema.h"
#include "ops/restore_staging.h"
#include "ops/restore_tokens.h"
#include "vault/crash_point.h"

namespace cv::ops {
namespace {

Result<std::string> ReadSecretFile(const std::string& path, const std::string& key) {
  CV_RETURN_IF_ERROR(env::CheckPrivateFile(path, key));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(key + " " + path, "cannot be read");
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty())
    return Status::InvalidArgument(key + " " + path, "is empty; put the password on its first line");
  return line;
}

// Everything sstableloader needs, from the config and the flags. Secrets come from files only.
Result<cassandra::BulkLoaderSettings> LoaderSettings(const Config& config, const RestoreOptions& o) {
  const LoadSettings& l = config.load;
  cassandra::BulkLoaderSettings s;
  s.java_command = l.java_command;
  if (s.java_command.empty()) {
    return Status::InvalidArgument(
        config.path + ": key 'load.java_command'",
        "missing; --mode load starts sstableloader's JVM itself: list java, its flags "
        "and -cp with Cassandra's conf dir and lib/* (see docs/config.md)");
  }
  s.hosts = !o.load_hosts.empty() ? o.load_hosts
            : !l.hosts.empty()
                ? l.hosts
                : std::vector<std::string>{config.cql_host.empty() ? "127.0.0.1" : config.cql_host};
  s.native_port = l.native_port > 0 ? l.native_port : config.cql_port;
  s.storage_port = l.storage_port;
  s.throttle_mib = o.throttle_mib;
  s.timeout = std::chrono::seconds(l.timeout_seconds);
  const std::string creds = !l.credentials_file.empty() ? l.credentials_file : config.cql_credentials_file;
  if (!creds.empty()) {
    CV_ASSIGN_OR_RETURN(CqlCredentials c, LoadCqlCredentials(creds));
    s.username = c.username;
    s.password = c.password;
  }
  s.conf_file = l.conf_file;
  s.truststore = l.truststore;
  s.keystore = l.keystore;
  if (!l.truststore_password_file.empty()) {
    CV_ASSIGN_OR_RETURN(s.truststore_password,
                        ReadSecretFile(l.truststore_password_file, "load.truststore_password_file"));
  }
  if (!l.keystore_password_file.empty()) {
    CV_ASSIGN_OR_RETURN(s.keystore_password,
                        ReadSecretFile(l.keystore_password_file, "load.keystore_password_file"));
  }
  // CQL over TLS for cassvault but not for the loader would send the password in clear: refuse.
  if (config.cql_tls && s.truststore.empty() && s.conf_file.empty()) {
    return Status::InvalidArgument(
        config.path + ": key 'load'",
        "node.cql.tls is set but sstableloader has no TLS settings: set load.truststore "
        "(and load.truststore_password_file), or load.conf_file naming a cassandra.yaml "
        "with client_encryption_options");
  }
  return s;
}

// The target cluster over CQL: the first contact point, with node.cql's credentials and TLS.
Result<std::unique_ptr<cassandra::CqlSession>> ConnectTarget(const Config& config,
                                                             const cassandra::BulkLoaderSettings& s) {
  Config c = config;
  c.cql_host = s.hosts.front();
  cassandra::NodeConfig none;
  none.native_transport_port = s.native_port > 0 ? s.native_port : 9042;
  c.cql_port = none.native_transport_port;
  if (!config.load.credentials_file.empty()) c.cql_credentials_file = config.load.credentials_file;
  return ConnectCql(c, none);
}

}  // namespace

Result<RestoreReport> RunLoadRestore(const Config& config, vault::Vault& vault, const RestoreOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  if (!o.from_node.empty() || o.topology_change) {
    return Status::InvalidArgument("--mode load",
                                   "streams into whatever ring the target has: --from-node and "
                                   "--topology-change do not apply");
  }
  if (o.staging_dir.empty()) {
    return Status::InvalidArgument("--mode load",
                                   "needs --staging-dir DIR: where each table's SSTables are "
                                   "materialised before sstableloader streams them");
  }
  CV_ASSIGN_OR_RETURN(cassandra::BulkLoaderSettings loader, LoaderSettings(config, o));
  CV_ASSIGN_OR_RETURN(LoadPlan plan, PlanLoad(vault, o));
  // Each node's backup has its blobs in its own partition: the index of all of them, each pack under its own.
  std::vector<std::string> partitions;
  for (const auto& r : plan.records) partitions.push_back(r.node_id);
  CV_RETURN_IF_ERROR(vault.LoadIndexOf(partitions));
  RestoreReport report;
  std::string ids;
  for (const auto& r : plan.records) ids += (ids.empty() ? "" : ",") + r.backup_id;
  report.backup_id = ids;
  auto hosts = loader.hosts;
  std::sort(hosts.begin(), hosts.end());
  std::string identity = "backups=" + ids + " target=";
  for (const auto& h : hosts) identity += h + ",";
  identity += ":" + std::to_string(loader.native_port);
  for (size_t i = 0; i < plan.records.size(); ++i) {
    const auto& r = plan.records[i];
    report.plan.push_back("source: backup " + r.backup_id + " of node " + r.address + " (" + r.host_id +
                          ", " + r.data_center + "/" + r.rack + ")");
  }

  // Before anything is written: old backups of replicated tables, the staging budget of every table.
  for (const auto& m : plan.manifests) {
    std::set<std::string> ks;
    for (const auto& t : plan.tables) ks.insert(t.src_ks);
    CV_RETURN_IF_ERROR(CheckRestoreAge(*m, ks, o.ignore_gc_grace, &report.plan));
  }
  CV_ASSIGN_OR_RETURN(env::SafeDir root, env::SafeDir::OpenRoot(o.staging_dir));
  std::unique_ptr<LoadJournal> journal;
  std::unique_ptr<env::SafeDir> private_root;
  env::UniqueFd lock;
  if (!o.dry_run) {
    CV_ASSIGN_OR_RETURN(env::SafeDir p, root.OpenPrivateSub(kStagingDirName, 0700));
    private_root = std::make_unique<env::SafeDir>(std::move(p));
    CV_ASSIGN_OR_RETURN(lock, LockLoadStaging(*private_root));
    CV_ASSIGN_OR_RETURN(LoadJournal j, LoadJournal::Open(*private_root, identity));
    journal = std::make_unique<LoadJournal>(std::move(j));
  } else if (auto p = root.OpenSub(kStagingDirName); p.ok()) {
    // A dry run reads the journal if there is one (to show what a rerun would skip) and creates nothing.
    private_root = std::make_unique<env::SafeDir>(std::move(p).value());
    CV_ASSIGN_OR_RETURN(LoadJournal j, LoadJournal::Open(*private_root, identity, false));
    journal = std::make_unique<LoadJournal>(std::move(j));
  }
  if (journal) {
    report.plan.push_back("journal: " + journal->path() + " (" + std::to_string(journal->size()) +
                          " tables already loaded)");
  }
  for (const auto& t : plan.tables) {
    if (journal && journal->Done(t.Entry())) continue;
    CV_RETURN_IF_ERROR(CheckLoadBudget(t, o, o.staging_dir));
  }

  // Schema: what the target lacks is created from the backup; what it has stays (its replication too).
  CV_ASSIGN_OR_RETURN(auto cql, ConnectTarget(config, loader));
  for (const auto& m : plan.manifests) {
    RestorePlan rp;
    for (const auto& t : plan.tables) {
      if (t.schema_from != m.get()) continue;
      TablePlan tp;
      tp.source = t.schema_entry;
      tp.ks = t.ks;
      tp.table = t.table;
      rp.tables.push_back(tp);
    }
    if (!rp.tables.empty()) CV_RETURN_IF_ERROR(CreateLiveSchema(*cql, *m, rp, o.dry_run, &report));
  }
  cql.reset();

  for (const auto& t : plan.tables) {
    std::string line = "load " + t.src_ks + "." + t.src_table +
                       (t.ks != t.src_ks || t.table != t.src_table ? " into " + t.ks + "." + t.table : "") +
                       ": " + std::to_string(t.files.size()) + " files from " + std::to_string(t.nodes) +
                       " nodes (" + HumanBytes(t.bytes) + ")" + (t.is_counter ? ", counter table" : "");
    if (journal && journal->Done(t.Entry())) line = "skip " + t.Entry() + ": already loaded (journal)";
    report.plan.push_back(line);
  }
  std::vector<std::string> shown = cassandra::RedactedBulkLoaderArgs(loader, o.staging_dir + "/<ks>/<table>");
  std::string cmd = "sstableloader:";
  for (const auto& a : shown) cmd += " " + a;
  report.plan.push_back(cmd);
  report.next_steps = {
      "sstableloader sent each row to the nodes that own it now: no nodetool cleanup is needed",
      "with RF > 1 every replica's copy was sent to every replica: disk use is up to RF times the data until "
      "compaction merges the copies",
      "the load journal " +
          (journal ? journal->path() : o.staging_dir + "/" + kStagingDirName + "/load-*.journal") +
          " makes a rerun of this command load nothing; remove it to load again"};
  auto done = [&] {
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
  };
  if (o.dry_run) {
    report.tables = plan.tables.size();
    return done();
  }

  CV_ASSIGN_OR_RETURN(auto staging, RestoreStaging::Open(root, "load", 0700));
  Status st;
  for (const auto& t : plan.tables) {
    if (journal->Done(t.Entry())) continue;
    if (t.files.empty()) {
      // Backed up while empty (nothing flushed): nothing to stream, but its schema was created above.
      st = journal->MarkDone(t.Entry());
      if (!st.ok()) break;
      report.plan.push_back("loaded " + t.Entry() + ": no SSTables in the backup");
      continue;
    }
    st = CheckLoadBudget(t, o, o.staging_dir);
    if (!st.ok()) break;
    const env::SafeDir& run = staging->run();
    auto dir = run.MakeSub(t.ks + "/" + t.table, 0700, std::nullopt);
    if (!dir.ok()) {
      st = dir.status();
      break;
    }
    auto table_t0 = std::chrono::steady_clock::now();
    st = StageLoadTable(config, vault, *staging, *dir, t, o.show_progress, &report);
    if (st.ok()) st = cassandra::RunBulkLoader(loader, run, dir->path(), t.ks + "." + t.table);
    if (st.ok()) {
      vault::CrashPoint("load-table-loaded");  // streamed, not yet in the journal: a rerun loads it again
      st = journal->MarkDone(t.Entry());
    }
    // The staged copy goes whatever happened: a rerun stages afresh.
    (void)run.RemoveTree(t.ks);
    if (!st.ok()) break;
    report.tables++;
    char took[32];
    std::snprintf(took, sizeof took, " in %.1f s",
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - table_t0).count());
    report.plan.push_back("loaded " + t.Entry() + took);
    vault::CrashPoint("load-table-journaled");
  }
  (void)staging->Remove();
  CV_RETURN_IF_ERROR(st);
  return done();
}

}  // namespace cv::ops
