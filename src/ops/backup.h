// src/ops/backup.h — back up one node: snapshot (or, offline, the live dirs of a stopped node), check
// every SSTable against Cassandra's own checksums, store what the vault lacks, commit the manifest.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "ops/config.h"
#include "pipeline/cpu_stages.h"
#include "vault/vault.h"

namespace cv::ops {

struct BackupOptions {
  std::string tag;                              // empty: "manual-<UTC time>"
  std::vector<std::string> includes, excludes;  // KS or KS.TABLE globs
  bool offline = false;
  bool show_progress = false;
  // Set (by a signal handler, another thread) to stop the backup: checked once the snapshot is scanned and
  // again just before the commit, so a cancelled backup is never committed. What it stored before that
  // stays as packs no record names, which the next backup of the node adopts. Cancelled("backup", ...).
  const std::atomic<bool>* cancel = nullptr;
  // Called with what the operator should hear about but that does not fail the backup (e.g. its snapshot
  // was cleared through nodetool, and why). The CLI prints it; the daemon logs it. Unset: dropped.
  std::function<void(const std::string&)> warn;
};

struct BackupReport {
  BackupRecord record;
  std::vector<std::string> new_components;  // "ks.table/nb-5-big-Data.db": content the vault lacked
  uint64_t files_read = 0, bytes_read = 0;  // bytes actually read from disk
  uint64_t cache_hits = 0;                  // files known unchanged without reading them
  double seconds = 0;
  // CPU time by stage (BackupStageNames(), those that ran, then "other"), from the start of RunBackup;
  // their sum is cpu_seconds, the process's CPU time over the same span.
  std::vector<pipeline::CpuStages::Line> cpu_stages;
  double cpu_seconds = 0;
  // Snapshot mode: how long the snapshot existed (from just before `nodetool snapshot` to its clear, which
  // comes right after the files are stored): SSTables compaction replaces meanwhile stay on disk. And the
  // nodetool processes the backup started (one, the snapshot, unless a clear had to fall back to
  // nodetool) with their CPU time, which the node pays (a JVM start-up is about a CPU-second).
  double snapshot_held_seconds = 0;
  int nodetool_runs = 0;
  double nodetool_cpu_seconds = 0;
};

Result<BackupReport> RunBackup(const Config& config, vault::Vault& vault, const BackupOptions& options);

}  // namespace cv::ops
