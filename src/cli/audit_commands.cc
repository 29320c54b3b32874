// src/cli/audit_commands.cc — `cassvault audit`: the vault's audit trail (ops/audit_verify.h). Lists records
// (any key: a writer key is the auditor's), verifies the chains and checkpoints (`--verify`, exit 5 naming
// each broken record), and signs a checkpoint of every writer's head (`audit checkpoint`, admin key).
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "core/vault_layout.h"
#include "env/clock.h"
#include "ops/audit_trail.h"
#include "ops/audit_verify.h"
#include "ops/list.h"
#include "ops/node_session.h"

namespace cv::cli {
namespace {

using nlohmann::json;

struct AuditFlags {
  std::string since, node, op;
  bool verify = false;
};

std::string Outcome(const json& r) {
  const json& o = r.value("outcome", json::object());
  std::string s = o.value("status", std::string("?"));
  if (o.contains("message")) s += ": " + o.value("message", std::string());
  return s;
}

std::string Who(const json& r) {
  const json& a = r.value("actor", json::object());
  std::string s = a.value("kind", std::string("?")) + " " + a.value("id", std::string("?"));
  s += ", key slot " + r.value("key_slot", std::string("?")) + " (" + r.value("role", std::string("?")) +
       "), " + r.value("user", std::string("?")) + "@" + r.value("host", std::string("?"));
  return s;
}

void PrintRecord(const vault::AuditEntry& e) {
  const json& r = e.record;
  std::string targets;
  for (const auto& t : r.value("targets", json::array())) {
    if (t.is_string()) targets += (targets.empty() ? "" : ",") + t.get<std::string>();
  }
  std::cout << Printable(r.value("time_utc", std::string("?"))) << "  "
            << Printable(r.value("op", std::string("?"))) << (targets.empty() ? "" : " " + Printable(targets))
            << "  " << Printable(Outcome(r)) << "  by " << Printable(Who(r)) << "  [" << e.key << "]\n";
}

void RunList(GlobalFlags& g, const AuditFlags& f) {
  ops::AuditQuery q;
  if (!f.since.empty()) {
    auto t = ops::ParseListTime("--since", f.since, false);
    if (!t.ok()) return void(g.exit_code = Fail(t.status()));
    q.since = *t;
  }
  q.node = f.node;
  q.op = f.op;
  auto cfg = Load(g);
  if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
  auto v = ops::OpenVault(*cfg);
  if (!v.ok()) return void(g.exit_code = Fail(v.status()));
  std::vector<std::string> skipped;
  auto records = ops::ReadAuditRecords(**v, q, &skipped);
  if (!records.ok()) return void(g.exit_code = Fail(records.status().Annotate("audit")));
  for (const auto& s : skipped) Warn("skipped " + s);
  if (g.json) {
    json out = json::array();
    for (const auto& e : *records) {
      json r = e.record;
      r["key"] = e.key;
      r["hash"] = e.hash;
      out.push_back(r);
    }
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    for (const auto& e : *records) PrintRecord(e);
    if (records->empty()) std::cout << "no audit record matches\n";
  }
}

void RunVerify(GlobalFlags& g) {
  auto cfg = Load(g);
  if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
  auto v = ops::OpenVault(*cfg);
  if (!v.ok()) return void(g.exit_code = Fail(v.status()));
  auto r = ops::VerifyAuditTrail(**v, ops::LocalAuditHeads(cfg->cache_dir, (*v)->vault_id()));
  if (!r.ok()) return void(g.exit_code = Fail(r.status().Annotate("audit --verify")));
  LogEvent(g, "audit_verify",
           {{"writers", r->writers},
            {"records", r->records},
            {"checkpoints", r->checkpoints},
            {"problems", r->findings.size()}});
  if (g.json) {
    json findings = json::array();
    for (const auto& f : r->findings)
      findings.push_back({{"object", f.object}, {"kind", f.kind}, {"message", f.message}});
    std::cout << json{{"writers", r->writers},
                      {"records", r->records},
                      {"checkpoints", r->checkpoints},
                      {"ok", r->ok()},
                      {"problems", findings}}
                     .dump()
              << "\n";
  } else {
    for (const auto& f : r->findings) {
      std::cout << f.kind << ": " << (*v)->store().Describe() << "/" << f.object << ": "
                << Printable(f.message) << "\n";
    }
    std::cout << "audit trail: " << r->writers << " writer(s), " << r->records << " record(s), "
              << r->checkpoints << " checkpoint(s): "
              << (r->ok() ? "intact" : std::to_string(r->findings.size()) + " problem(s)") << "\n";
  }
  if (!r->ok()) g.exit_code = kExitCorruption;
}

void RunCheckpoint(GlobalFlags& g) {
  auto cfg = Load(g);
  if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
  auto v = ops::OpenVault(*cfg);
  if (!v.ok()) return void(g.exit_code = Fail(v.status()));
  auto cp = ops::WriteAuditCheckpointNow(**v, ChangedBy(**v), env::UnixNow());
  if (!cp.ok()) return void(g.exit_code = Fail(cp.status()));
  LogEvent(g, "audit_checkpoint", {{"checkpoint", cp->key}, {"writers", cp->heads.size()}});
  if (g.json) {
    json heads = json::object();
    for (const auto& [w, h] : cp->heads) heads[w] = {{"seq", h.seq}, {"hash", h.hash}};
    std::cout
        << json{{"checkpoint", cp->key}, {"hash", cp->hash}, {"prev", cp->prev_key}, {"heads", heads}}.dump()
        << "\n";
  } else {
    std::cout << "audit checkpoint " << cp->key << " signed: " << cp->heads.size() << " writer head(s)"
              << (cp->prev_key.empty() ? "" : ", after " + cp->prev_key) << "\n";
  }
}

}  // namespace

void AddAuditCommands(CLI::App& app, GlobalFlags& g) {
  auto* cmd =
      app.add_subcommand("audit", "show or verify the vault's audit trail (any key; checkpoint: admin key)");
  auto f = std::make_shared<AuditFlags>();
  cmd->add_option("--since", f->since, "records at or after this date (2027-01-01 or RFC 3339)");
  cmd->add_option("--node", f->node, "records written on this host (its host name) or by this writer id");
  cmd->add_option("--op", f->op,
                  "records of this operation (prune, forget, backup.commit; restore: both steps)");
  cmd->add_flag("--verify", f->verify,
                "check every chain and checkpoint; exit 5 naming each record modified, deleted, reordered or "
                "a tail removed");
  cmd->require_subcommand(0, 1);
  auto* checkpoint =
      cmd->add_subcommand("checkpoint",
                          "sign the heads of every writer's chain, chained to the last checkpoint "
                          "(admin key)");
  checkpoint->callback([&g] { RunCheckpoint(g); });
  cmd->callback([&g, f, cmd] {
    if (cmd->got_subcommand("checkpoint")) return;
    if (f->verify) return RunVerify(g);
    RunList(g, *f);
  });
}

}  // namespace cv::cli
