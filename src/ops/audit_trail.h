// src/ops/audit_trail.h — what a command writes into the vault's audit trail (vault/audit_log.h), and who it
// says did it: the Entra object id / app id of the storage token (when the Azure auth is a token), the key
// slot that opened the vault and its role, the local user (effective uid's name) and the host, the client's
// version and the storage request ids of the operation (http/request_ids.h), so a record can be matched with
// the cloud's own logs. Never a secret: no key, passphrase, token or SAS reaches a record.
//
// Destructive operations write their intent first (Begin: a "started" record) and refuse to go on when it
// cannot be written, as HashiCorp Vault refuses requests it cannot audit; Finish writes the outcome. Reads
// and other changes write one record (Record) and go on, with a warning, when it cannot be written.
//
// The writer: one chain per host and key role (vault::AuditWriterId). Its head is kept in the cache directory
// (<cache dir>/<vault id>.audit-<writer>.head, 0600) so an append costs a GET of seq+1 and a PUT, never a
// listing; a missing or stale cache costs a few probes more (vault/audit_log.h).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "ops/config.h"
#include "vault/audit_log.h"
#include "vault/vault.h"

namespace cv::ops {

struct AuditEvent {
  std::string op;  // "backup.commit", "restore.start", "restore.finish", "verify.deep", "forget",
                   // "undelete", "retain", "lock", "settings", "prune", "policy.set",
                   // "key.add", "key.rotate", "key.remove", "approval", "guardian.add", ...
  std::vector<std::string> targets;                   // backup ids, tags, policy names, slot ids, kids
  nlohmann::json details = nlohmann::json::object();  // never a secret
  std::string approval_id;                            // set when a guardian approval allowed it
};

// A written intent ("started") record, which Finish completes.
struct AuditIntent {
  AuditEvent event;
  std::string key;  // the intent record's name ("" when the vault keeps no trail: format 1)
  uint64_t seq = 0;
  uint64_t request_mark = 0;
  bool finished = false;
};

// "ok", "refused" (the command said no: permission, precondition, bad input) or "failed".
std::string AuditOutcome(const Status& st);

class AuditTrail {
 public:
  // One per command; cheap to make (reads nothing from the store). The config gives the head cache's
  // directory; without one (For(v)) each append finds its head by probing.
  static std::unique_ptr<AuditTrail> For(vault::Vault& v, const Config& cfg);
  static std::unique_ptr<AuditTrail> For(vault::Vault& v, const std::string& cache_dir);  // "": no cache
  static std::unique_ptr<AuditTrail> For(vault::Vault& v) { return For(v, std::string()); }

  // False for a format 1 vault: nothing is written, Begin and Record return OK.
  bool enabled() const { return log_ != nullptr; }
  const std::string& writer() const;

  // Destructive operations: writes the intent ("started") record; returns the error (annotated: the
  // operation was not started) when it cannot, and the caller then does nothing.
  Result<AuditIntent> Begin(const AuditEvent& e);
  // The outcome of what Begin started; `more` is merged into the event's details.
  Status Finish(AuditIntent& intent, const Status& outcome, nlohmann::json more = {});
  // One-shot record (reads and non-destructive writes, refusals).
  Status Record(const AuditEvent& e, const Status& outcome);

  // The "who" of every record this trail writes (tests read it).
  const nlohmann::json& who() const { return who_; }

 private:
  AuditTrail(vault::Vault& v, std::string cache_file);
  Result<vault::AuditEntry> Append(nlohmann::json record);
  nlohmann::json Base(const AuditEvent& e, uint64_t request_mark) const;

  std::unique_ptr<vault::AuditLog> log_;
  std::string cache_file_;  // "" without a cache
  nlohmann::json who_;
  uint64_t created_mark_ = 0;
};

// For operations that go on without their record (a restore identity may be unable to write to the store;
// a backup that committed stays committed): a record that cannot be written becomes a notice among the
// vault's problems (printed as a warning), never an error. BeginOrWarn's intent then has no key, and
// FinishOrWarn still writes the outcome. An op ending in ".start" finishes as ".finish".
AuditIntent BeginOrWarn(AuditTrail& trail, vault::Vault& v, const AuditEvent& e);
void FinishOrWarn(AuditTrail& trail, vault::Vault& v, AuditIntent& intent, const Status& outcome,
                  nlohmann::json more = {});
void RecordOrWarn(AuditTrail& trail, vault::Vault& v, const AuditEvent& e, const Status& outcome);

// The host key writer ids are made from: /etc/machine-id, else the host name.
std::string AuditHostKey();

inline Status StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

// A governance change (key slots, policies, approvals): intent first, and not made at all when the trail
// cannot record it; then its outcome, refusals included. `run` returns a Status or a Result; `describe`
// (optional) turns a successful result into details for the outcome record (the new slot's id, ...).
template <typename Fn, typename Describe>
auto AuditedChange(vault::Vault& v, const AuditEvent& e, Fn run, Describe describe) -> decltype(run()) {
  auto trail = AuditTrail::For(v);
  Result<AuditIntent> intent = trail->Begin(e);
  if (!intent.ok()) return intent.status();
  auto r = run();
  const Status st = StatusOf(r);
  FinishOrWarn(*trail, v, *intent, st, st.ok() ? describe(r) : nlohmann::json::object());
  return r;
}
template <typename Fn>
auto AuditedChange(vault::Vault& v, const AuditEvent& e, Fn run) -> decltype(run()) {
  return AuditedChange(v, e, std::move(run), [](const auto&) { return nlohmann::json::object(); });
}

}  // namespace cv::ops
