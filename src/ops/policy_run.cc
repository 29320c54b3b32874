#include "ops/policy_run.h"

#include <chrono>

#include "core/schedule.h"
#include "ops/backup.h"
#include "ops/node_session.h"
#include "ops/verify.h"

namespace cv::ops {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// This node's committed backup with `tag`, if any: by host id when known, else by address.
Result<std::optional<BackupRecord>> CommittedByThisNode(vault::Vault& vault, const std::string& tag,
                                                        const NodeIdent& node) {
  CV_ASSIGN_OR_RETURN(std::vector<BackupRecord> all, vault.ListBackups());
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->tag != tag) continue;
    bool mine = !node.host_id.empty() ? it->host_id == node.host_id
                                      : !node.address.empty() && it->address == node.address;
    if (mine) return std::optional<BackupRecord>(*it);
  }
  return std::optional<BackupRecord>();
}

vault::RunRecord BaseRecord(const policy::Policy& policy, uint32_t version, int64_t slot,
                            const NodeIdent& node) {
  vault::RunRecord r;
  r.policy = policy.name;
  r.policy_version = version;
  r.slot = slot;
  r.tag = sched::SlotTag(policy.name, slot);
  r.host_id = node.host_id;
  r.address = node.address;
  r.data_center = node.data_center;
  r.node_id = node.node_id;
  return r;
}

}  // namespace

NodeIdent ReadNodeIdent(const Config& config) {
  NodeIdent n;
  auto node = cassandra::LoadNodeConfig(config.cassandra_yaml);
  if (!node.ok()) return n;
  n.address = node->listen_address;
  auto cql = ConnectCql(config, *node);
  if (!cql.ok()) return n;
  auto id = (*cql)->ReadLocalNode();
  if (!id.ok()) return n;
  n.host_id = id->host_id;
  n.data_center = id->data_center;
  if (!id->broadcast_address.empty()) n.address = id->broadcast_address;
  return n;
}

std::string RunErrorText(const Status& st) {
  std::string s = st.ToString();
  if (s.size() <= 1024) return s;
  size_t cut = 1024 - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 char
  return s.substr(0, cut) + "...";
}

AttemptResult AttemptPolicySlot(const Config& config, vault::Vault& vault, const policy::Policy& policy,
                                int64_t slot, const NodeIdent& node, const std::atomic<bool>* cancel) {
  auto t0 = std::chrono::steady_clock::now();
  AttemptResult out;
  const std::string tag = sched::SlotTag(policy.name, slot);
  // Another attempt (this daemon's before a crash, `backup --policy`) may have committed the tag already.
  auto done = CommittedByThisNode(vault, tag, node);
  if (!done.ok()) {
    out.state = "failed";
    out.error = done.status().Annotate("policy " + policy.name + " slot " + tag + ": reading the catalog");
    out.seconds = SecondsSince(t0);
    return out;
  }
  if (done->has_value()) {
    out.state = "skipped";
    out.record = **done;
    out.seconds = SecondsSince(t0);
    return out;
  }
  BackupOptions o;
  o.tag = tag;
  o.includes = policy.keyspaces;
  o.excludes = policy.exclude;
  o.cancel = cancel;
  o.warn = [&out](const std::string& w) { out.warnings.push_back(w); };
  auto r = RunBackup(config, vault, o);
  if (!r.ok()) {
    out.state = r.status().code() == StatusCode::kCancelled ? "abandoned" : "failed";
    out.error = r.status().Annotate("backup " + tag);
    out.seconds = SecondsSince(t0);
    return out;
  }
  out.record = r->record;
  out.state = "succeeded";
  if (policy.after_success == "verify") {
    auto v = RunVerify(vault, r->record.backup_id, false);
    if (!v.ok()) {
      out.state = "failed";
      out.error = v.status().Annotate("backup " + r->record.backup_id + " committed; its fast verify");
    } else if (!v->ok()) {
      out.state = "failed";
      out.error = Status::Corruption(
          "backup " + r->record.backup_id,
          "committed, but its fast verify found " + std::to_string(v->problems.size()) +
              " problems (first: " + v->problems.front().object + ": " + v->problems.front().problem +
              "); run `cassvault verify --backup " + r->record.backup_id + "`");
    } else {
      out.verified = true;
    }
  }
  out.seconds = SecondsSince(t0);
  return out;
}

Result<SlotRun> SlotRun::Begin(vault::RunLog& log, const policy::Policy& policy, uint32_t version,
                               int64_t slot, const NodeIdent& node, int64_t now, Status* write_error) {
  vault::RunRecord r = BaseRecord(policy, version, slot, node);
  CV_ASSIGN_OR_RETURN(r.run_id, vault::RunLog::NewRunId());
  r.state = "started";
  r.started = now;
  *write_error = log.Write(r, 0);
  return SlotRun(log, std::move(r));
}

Status SlotRun::WriteSkipped(vault::RunLog& log, const policy::Policy& policy, uint32_t version, int64_t slot,
                             const NodeIdent& node, int64_t now, const std::string& why) {
  vault::RunRecord r = BaseRecord(policy, version, slot, node);
  CV_ASSIGN_OR_RETURN(r.run_id, vault::RunLog::NewRunId());
  r.state = "skipped";
  r.started = now;
  r.finished = now;
  r.error = why.size() <= 1024 ? why : why.substr(0, 1024);
  return log.Write(r, 1);
}

Status SlotRun::Finish(const AttemptResult& last, int attempts, int64_t now) {
  record_.state = last.state;
  record_.attempts = static_cast<uint32_t>(attempts);
  record_.finished = now;
  record_.backup_id = last.record.backup_id;
  record_.error = last.error.ok() ? "" : RunErrorText(last.error);
  if (!last.record.host_id.empty()) {
    // The backup's own record knows the node best (it read system.local for it).
    record_.host_id = last.record.host_id;
    record_.address = last.record.address;
    record_.data_center = last.record.data_center;
    record_.node_id = last.record.node_id;
  }
  return log_->Write(record_, 1);
}

}  // namespace cv::ops
