// src/vault/run_log.h — what each daemon run did (docs/vault-format.md, "Run records"):
// runs/<yyyymmdd>/<run id 16 hex>-<seq>, written by the node that ran (its writer key), sealed under the
// metadata root, create-only. seq 0 is written when a run starts, seq 1 when it ends (succeeded, failed,
// abandoned or skipped), so a node that dies mid-run leaves a "started" record behind.
//
// The day folder is the UTC day the run started, so a listing of a time range reads only its days.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "vault/object_table.h"
#include "vault/problems.h"
#include "vault/vault_keys.h"

namespace cv::vault {

struct RunRecord {
  std::string run_id;  // 16 lowercase hex (RunLog::NewRunId)
  std::string policy;
  uint32_t policy_version = 0;
  int64_t slot = 0;  // the slot's start, UTC unix s
  std::string tag;   // sched::SlotTag
  std::string host_id, address, data_center, node_id;
  std::string state;  // "started", "succeeded", "failed", "abandoned", "skipped"
  uint32_t attempts = 0;
  int64_t started = 0, finished = 0;  // unix s; finished 0 while started
  std::string backup_id, error;       // error: a Status message (never holds a secret), <= 1 KiB
};

std::string RunRecordToJson(const RunRecord& r);
Result<RunRecord> RunRecordFromJson(std::string_view json, std::string_view subject);

class RunLog {
 public:
  // All three must outlive the log.
  RunLog(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems);

  // 16 random lowercase hex.
  static Result<std::string> NewRunId();

  // Writes runs/<day of r.started>/<r.run_id>-<seq>. seq 0 or 1; InvalidArgument for a bad run id, seq or
  // state; an error longer than 1 KiB is cut.
  Status Write(const RunRecord& r, int seq);

  // Runs started in [since, until] (UTC s), oldest first: lists only the day folders in range; a run's
  // final record replaces its started one; a started run with no final record stays "started" (running,
  // or died). Records that do not open are skipped and named in `problems`.
  Result<std::vector<RunRecord>> List(int64_t since, int64_t until);

 private:
  ObjectTable& objects_;
  const VaultKeys& keys_;
  ProblemLog& problems_;
};

}  // namespace cv::vault
