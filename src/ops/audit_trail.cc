#include "ops/audit_trail.h"

#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/vault_layout.h"
#include "env/clock.h"
#include "env/private_file.h"
#include "http/request_ids.h"

#ifndef CASSVAULT_VERSION
#define CASSVAULT_VERSION "unknown"
#endif

namespace cv::ops {

using nlohmann::json;

namespace {

constexpr size_t kMaxMessage = 1024;
constexpr size_t kMaxTargets = 100;
constexpr size_t kMaxRequestIds = 16;

// At most kMaxMessage bytes, not cutting a UTF-8 sequence in two.
std::string Cut(std::string s) {
  if (s.size() <= kMaxMessage) return s;
  size_t n = kMaxMessage;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  s.resize(n);
  return s;
}

std::string LocalUser() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) return pw->pw_name;
  return "uid " + std::to_string(::geteuid());
}

std::string HostName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "?";
  return host;
}

std::string RoleOf(const vault::Vault& v) {
  if (const crypto::KeyBundle* b = v.keys().bundle()) return std::string(crypto::KeyRoleName(b->role()));
  return "key";
}

std::optional<vault::AuditHead> ReadHeadCache(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::ifstream in(path);
  vault::AuditHead h;
  if (!(in >> h.seq >> h.hash) || h.seq == 0 || h.hash.size() != 64) return std::nullopt;
  return h;
}

}  // namespace

std::string AuditOutcome(const Status& st) {
  if (st.ok()) return "ok";
  switch (st.code()) {
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
      return "refused";
    default:
      return "failed";
  }
}

std::string AuditHostKey() {
  std::ifstream in("/etc/machine-id");
  std::string id;
  if (in >> id && id.size() >= 16) return "machine-id " + id;
  return "host " + HostName();
}

std::unique_ptr<AuditTrail> AuditTrail::For(vault::Vault& v, const Config& cfg) {
  return For(v, cfg.cache_dir);
}

std::unique_ptr<AuditTrail> AuditTrail::For(vault::Vault& v, const std::string& cache_dir) {
  std::unique_ptr<AuditTrail> t(new AuditTrail(v, ""));
  if (t->log_ && !cache_dir.empty()) {
    t->cache_file_ = cache_dir + "/" + v.vault_id() + ".audit-" + t->log_->writer() + ".head";
  }
  return t;
}

AuditTrail::AuditTrail(vault::Vault& v, std::string cache_file)
    : cache_file_(std::move(cache_file)), created_mark_(http::RequestIdMark()) {
  if (v.format() >= 2) {
    auto writer = vault::AuditWriterId(v.keys(), AuditHostKey(), RoleOf(v));
    if (writer.ok()) log_ = std::make_unique<vault::AuditLog>(v.objects(), *writer);
  }
  who_ = {{"key_slot", v.opened_slot()}, {"role", RoleOf(v)}, {"user", LocalUser()}, {"host", HostName()}};
}

const std::string& AuditTrail::writer() const {
  static const std::string kNone;
  return log_ ? log_->writer() : kNone;
}

json AuditTrail::Base(const AuditEvent& e, uint64_t request_mark) const {
  const int64_t now = env::UnixNow();
  json actor;
  // The identity the storage saw, when it is an Entra token; else the local user.
  if (auto caller = http::LastCallerIdentity(); caller && !caller->object_id.empty()) {
    actor = {{"kind", "entra-oid"}, {"id", caller->object_id}};
    if (!caller->tenant_id.empty()) actor["tenant"] = caller->tenant_id;
    if (!caller->app_id.empty()) actor["app_id"] = caller->app_id;
  } else if (caller && !caller->app_id.empty()) {
    actor = {{"kind", "sp-appid"}, {"id", caller->app_id}};
    if (!caller->tenant_id.empty()) actor["tenant"] = caller->tenant_id;
  } else {
    actor = {{"kind", "local-user"}, {"id", who_["user"]}};
  }
  std::vector<std::string> targets(e.targets.begin(),
                                   e.targets.begin() + std::min(e.targets.size(), kMaxTargets));
  json details = e.details.is_object() ? e.details : json::object();
  if (e.targets.size() > kMaxTargets) details["targets_total"] = e.targets.size();
  json r = {{"time", now},
            {"time_utc", layout::FormatTime(now)},
            {"op", e.op},
            {"targets", targets},
            {"actor", actor},
            {"key_slot", who_["key_slot"]},
            {"role", who_["role"]},
            {"user", who_["user"]},
            {"host", who_["host"]},
            {"client",
             {{"version", CASSVAULT_VERSION},
              {"request_ids", http::RequestIdsSince(request_mark, kMaxRequestIds)}}},
            {"details", details}};
  if (!e.approval_id.empty()) r["approval_id"] = e.approval_id;
  return r;
}

Result<vault::AuditEntry> AuditTrail::Append(json record) {
  auto entry = log_->Append(std::move(record), ReadHeadCache(cache_file_));
  if (entry.ok() && !cache_file_.empty()) {
    // A cache that cannot be written costs the next append a few probes, never a record.
    const std::string dir = cache_file_.substr(0, cache_file_.rfind('/'));
    if (env::EnsurePrivateDir(dir).ok()) {
      (void)env::WritePrivateFileAtomically(
          cache_file_, std::to_string(entry->seq) + " " + entry->hash + "\n", "audit head cache");
    }
  }
  return entry;
}

Result<AuditIntent> AuditTrail::Begin(const AuditEvent& e) {
  AuditIntent intent;
  intent.event = e;
  intent.request_mark = http::RequestIdMark();
  if (!log_) return intent;
  json r = Base(e, intent.request_mark);
  r["outcome"] = {{"status", "started"}};
  auto entry = Append(std::move(r));
  if (!entry.ok()) {
    return entry.status().Annotate(e.op +
                                   ": its audit record could not be written, so it was not started (an "
                                   "operation that changes the vault's history is refused unless audited)");
  }
  intent.key = entry->key;
  intent.seq = entry->seq;
  return intent;
}

Status AuditTrail::Finish(AuditIntent& intent, const Status& outcome, json more) {
  if (!log_ || intent.finished) return Status::OK();
  intent.finished = true;
  AuditEvent e = intent.event;
  if (more.is_object()) {
    for (auto& [k, v] : more.items()) e.details[k] = v;
  }
  if (e.op.size() > 6 && e.op.compare(e.op.size() - 6, 6, ".start") == 0)
    e.op.replace(e.op.size() - 6, 6, ".finish");
  json r = Base(e, intent.request_mark);
  if (intent.seq > 0) r["intent"] = intent.seq;
  r["outcome"] = {{"status", AuditOutcome(outcome)}};
  if (!outcome.ok()) r["outcome"]["message"] = Cut(outcome.ToString());
  return Append(std::move(r)).status();
}

Status AuditTrail::Record(const AuditEvent& e, const Status& outcome) {
  if (!log_) return Status::OK();
  json r = Base(e, created_mark_);
  r["outcome"] = {{"status", AuditOutcome(outcome)}};
  if (!outcome.ok()) r["outcome"]["message"] = Cut(outcome.ToString());
  return Append(std::move(r)).status();
}

namespace {
void Warn(vault::Vault& v, const AuditTrail& trail, const Status& st) {
  v.NoteProblem(layout::AuditWriterPrefix(trail.writer()), "audit record not written: " + st.ToString(),
                false);
}
}  // namespace

AuditIntent BeginOrWarn(AuditTrail& trail, vault::Vault& v, const AuditEvent& e) {
  auto intent = trail.Begin(e);
  if (intent.ok()) return std::move(intent).value();
  Warn(v, trail, intent.status());
  AuditIntent unwritten;
  unwritten.event = e;
  unwritten.request_mark = http::RequestIdMark();
  return unwritten;
}

void FinishOrWarn(AuditTrail& trail, vault::Vault& v, AuditIntent& intent, const Status& outcome, json more) {
  if (Status st = trail.Finish(intent, outcome, std::move(more)); !st.ok()) Warn(v, trail, st);
}

void RecordOrWarn(AuditTrail& trail, vault::Vault& v, const AuditEvent& e, const Status& outcome) {
  if (Status st = trail.Record(e, outcome); !st.ok()) Warn(v, trail, st);
}

}  // namespace cv::ops
