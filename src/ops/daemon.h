// src/ops/daemon.h — `cassvault daemon`: runs the due slots of every policy on this node, one at a time
// (ops/run_lock.h), with the slot decisions of ops/slot_plan.h. Policies come from the vault (signed by
// the admin key, re-read every daemon.poll_interval with one LIST) or from node-local policy files
// (daemon.policy_files). What this node last ran per policy is kept in <cache_dir>/<vault id>.daemon.json
// so a restart neither repeats a slot nor replays the slots it missed. With `maintenance`, the daemon
// holds the vault's "maintenance" lease and runs RunMaintain every daemon.maintenance_interval instead.
// docs/operations.md describes the log lines and signals.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.h"
#include "ops/config.h"

namespace cv::ops {

struct DaemonOptions {
  bool maintenance = false;  // the maintenance role (an admin key): lease + RunMaintain, no backups
  bool once = false;         // run what is due now (waiting for its start and retries), then return
};

// Set from signal handlers: stop = SIGTERM/SIGINT (stop waiting; a backup in flight is abandoned before
// its commit), reload = SIGHUP (re-read the config, re-open the vault, re-poll the policies now).
struct DaemonControl {
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
};

// One JSON object per call: {"ts","level","op",...}; the CLI writes it as one line on stderr.
using DaemonLog = std::function<void(nlohmann::json)>;

Status RunDaemon(const std::function<Result<Config>()>& load_config, const DaemonOptions& options,
                 DaemonControl& control, const DaemonLog& log);

// <cache_dir>/<vault id>.daemon.json: the newest slot handled per policy (ran, gave up or skipped).
class DaemonState {
 public:
  static DaemonState Load(const std::string& path, std::string* problem);
  Status Save() const;  // written to a temporary file and renamed over: never half a file
  std::optional<int64_t> Last(const std::string& policy) const;
  void SetLast(const std::string& policy, int64_t slot) { last_[policy] = slot; }

 private:
  std::string path_;
  std::map<std::string, int64_t> last_;
};

}  // namespace cv::ops
