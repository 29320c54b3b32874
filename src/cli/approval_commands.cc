// src/cli/approval_commands.cc — the two-person rule's commands (ops/approvals.h, docs/approvals.md):
// `cassvault guardian generate-key | add | list | remove` and `cassvault approve`. Thin: flags in, one
// operation, its outcome out.
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_common.h"
#include "core/schedule.h"
#include "core/vault_layout.h"
#include "crypto/key_slot.h"
#include "env/clock.h"
#include "ops/approvals.h"
#include "ops/key_vault.h"
#include "ops/node_session.h"
#include "vault/guardian.h"

namespace cv::cli {
namespace {

using env::UnixNow;
using nlohmann::json;

// The Key Vault key `key_name` (its `sign`, PS256) behind the crypto::RemoteSigner seam. The Key Vault
// client comes with ops/key_vault.h (`ops::OpenKeyVaultSigner(cfg, key_name)`), wired here at merge; until
// then this build has none.
Result<std::unique_ptr<crypto::RemoteSigner>> OpenRemoteSigner(const GlobalFlags& g,
                                                               const std::string& key_name) {
  CV_ASSIGN_OR_RETURN(ops::Config cfg, Load(g));
  return ops::OpenKeyVaultSigner(cfg, key_name);
}

// The key name in a versioned kid: https://NAME.vault.azure.net/keys/KEY/VERSION -> KEY.
std::string KeyNameOf(const std::string& kid) {
  const size_t at = kid.find("/keys/");
  if (at == std::string::npos) return kid;
  const std::string rest = kid.substr(at + 6);
  return rest.substr(0, rest.find('/'));
}

json GuardianJson(const vault::Guardian& x) {
  return {{"id", x.id},   {"name", x.name},
          {"alg", x.alg}, {"public_key", x.public_key},
          {"kid", x.kid}, {"added_at", layout::FormatTime(x.added_at)}};
}

// --public-key: a file holding the key (the line `guardian generate-key` printed, or a DER RSA public key
// in base64), or that text itself.
Result<std::string> PublicKeyText(const std::string& arg) {
  std::ifstream in(arg);
  if (!in) return arg;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.size() > size_t{64} * 1024)
    return Status::InvalidArgument("--public-key " + arg, "is not a public key file");
  return text;
}

void AddGenerateKey(CLI::App* guardian, GlobalFlags& g) {
  auto* cmd = guardian->add_subcommand(
      "generate-key",
      "write a new Ed25519 guardian key file (mode 0600, never overwrites) and print its "
      "public key");
  auto path = std::make_shared<std::string>();
  cmd->add_option("PATH", *path, "the new key file")->required();
  cmd->callback([&g, path] {
    if (Status st = crypto::WriteNewKeyFile(*path); !st.ok()) return void(g.exit_code = Fail(st));
    auto signer = vault::OpenGuardianKeyFile(*path);
    if (!signer.ok()) return void(g.exit_code = Fail(signer.status()));
    const crypto::Bytes pub = (*signer)->public_key();
    const std::string b64 = crypto::Base64Encode(pub), id = vault::GuardianId((*signer)->alg(), pub);
    if (g.json) {
      std::cout << json{{"path", *path}, {"public_key", b64}, {"id", id}, {"alg", (*signer)->alg()}}.dump()
                << "\n";
      return;
    }
    std::cout << b64 << "\n";
    std::cerr << "guardian key " << *path << " written (mode 0600), guardian id " << id
              << "; keep it away from the admin key. An admin registers it with `cassvault guardian add "
                 "--public-key "
              << b64 << " --name NAME`\n";
  });
}

void AddAdd(CLI::App* guardian, GlobalFlags& g) {
  auto* cmd = guardian->add_subcommand(
      "add",
      "register a guardian (admin key; with guardians already registered, an approval of one of them)");
  struct Flags {
    std::string public_key, name, key_vault;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option(
         "--key-vault", f->key_vault,
         "a Key Vault RSA key version as the guardian: its versioned kid; its public key is recorded")
      ->type_name("KID");
  cmd->add_option("--public-key", f->public_key,
                  "a file holding the guardian's public key, or the key itself (base64: an Ed25519 key "
                  "from `guardian generate-key`, or a Key Vault RSA key's DER public key)")

      ->type_name("FILE_OR_B64");
  cmd->add_option("--name", f->name, "a name for messages (default guardian-<id>)")->type_name("NAME");
  cmd->callback([&g, f] {
    if (f->public_key.empty() == f->key_vault.empty()) {
      return void(
          g.exit_code = Fail(Status::InvalidArgument(
              "guardian add", "give the guardian's key: --public-key FILE_OR_B64 or --key-vault KID")));
    }
    Result<vault::Guardian> gd = Status::Internal("guardian add", "no key");
    if (!f->key_vault.empty()) {
      auto remote = OpenRemoteSigner(g, KeyNameOf(f->key_vault));
      if (!remote.ok()) return void(g.exit_code = Fail(remote.status()));
      gd = ops::GuardianFromKeyVault(**remote, f->key_vault, f->name);
    } else {
      auto text = PublicKeyText(f->public_key);
      if (!text.ok()) return void(g.exit_code = Fail(text.status()));
      gd = vault::GuardianFromPublicKey(*text, f->name);
    }
    if (!gd.ok()) return void(g.exit_code = Fail(gd.status()));
    if (gd->name.empty()) gd->name = "guardian-" + gd->id;
    if (!layout::IsValidObjectName(gd->name)) {
      return void(g.exit_code = Fail(Status::InvalidArgument("--name " + gd->name,
                                                             "must be 1-48 letters, digits, '_' or '-'")));
    }
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto added = ops::AddGuardian(**v, *gd, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!added.ok()) return void(g.exit_code = Fail(added.status()));
    LogEvent(g, "guardian.add", {{"guardian", added->id}, {"name", added->name}});
    if (g.json) {
      std::cout << GuardianJson(*added).dump() << "\n";
    } else {
      std::cout << "guardian " << added->id << " (" << Printable(added->name) << ", " << added->alg
                << ") registered; destructive operations now need a guardian's approval\n";
    }
  });
}

void AddRemove(CLI::App* guardian, GlobalFlags& g) {
  auto* cmd = guardian->add_subcommand(
      "remove", "unregister a guardian (admin key and an approval of a guardian: guardian.remove)");
  auto which = std::make_shared<std::string>();
  cmd->add_option("GUARDIAN", *which, "the guardian's id or name")->required();
  cmd->callback([&g, which] {
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto gone = ops::RemoveGuardian(**v, *which, ChangedBy(**v), UnixNow());
    WarnVaultProblems(**v);
    if (!gone.ok()) return void(g.exit_code = Fail(gone.status()));
    LogEvent(g, "guardian.remove", {{"guardian", gone->id}, {"name", gone->name}});
    if (g.json) {
      std::cout << GuardianJson(*gone).dump() << "\n";
    } else {
      std::cout << "guardian " << gone->id << " (" << Printable(gone->name) << ") removed\n";
    }
  });
}

void AddList(CLI::App* guardian, GlobalFlags& g) {
  auto* cmd = guardian->add_subcommand("list", "the vault's guardians (none: the two-person rule is off)");
  cmd->callback([&g] {
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto all = ops::ListGuardians(**v);
    WarnVaultProblems(**v);
    if (!all.ok()) return void(g.exit_code = Fail(all.status()));
    if (g.json) {
      json a = json::array();
      for (const auto& x : *all) a.push_back(GuardianJson(x));
      std::cout << a.dump() << "\n";
      return;
    }
    if (all->empty()) {
      std::cout << "no guardians: the two-person rule is off (`cassvault guardian add`, docs/approvals.md)\n";
      return;
    }
    for (const auto& x : *all) {
      std::cout << x.id << "  " << Printable(x.name) << "  " << x.alg << "  added "
                << layout::FormatTime(x.added_at) << "\n";
    }
  });
}

void AddApprove(CLI::App& app, GlobalFlags& g) {
  auto* cmd = app.add_subcommand(
      "approve", "as a guardian, approve one destructive operation for a while (the two-person rule)");
  struct Flags {
    std::string operation, expires, key_file, key_vault, reason;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--operation", f->operation,
                  "exactly the operation the refused command named, e.g. 'soft-delete.disable'")
      ->required()
      ->type_name("OP");
  cmd->add_option("--expires", f->expires, "how long the approval holds (e.g. 24h; at most 30d)")
      ->required()
      ->type_name("DUR");
  auto* kf =
      cmd->add_option("--guardian-key", f->key_file, "the guardian's Ed25519 key file")->type_name("FILE");
  auto* kv = cmd->add_option("--guardian-key-vault", f->key_vault,
                             "the registered Key Vault guardian (name, id or kid) whose key signs (PS256)")
                 ->type_name("NAME");
  kf->excludes(kv);
  cmd->add_option("--reason", f->reason, "why (kept in the approval)")->type_name("TEXT");
  cmd->callback([&g, f] {
    auto op = approval::ParseOperation(f->operation);
    if (!op.ok()) return void(g.exit_code = Fail(op.status().Annotate("--operation")));
    auto dur = sched::ParseDuration(f->expires);
    if (!dur.ok()) return void(g.exit_code = Fail(dur.status().Annotate("--expires")));
    if (f->key_file.empty() == f->key_vault.empty()) {
      return void(
          g.exit_code = Fail(Status::InvalidArgument(
              "approve", "give the guardian's key: --guardian-key FILE or --guardian-key-vault NAME")));
    }
    Result<std::unique_ptr<vault::ApprovalSigner>> signer = Status::Internal("approve", "no signer");
    if (!f->key_file.empty()) {
      signer = vault::OpenGuardianKeyFile(f->key_file);
      if (!signer.ok()) return void(g.exit_code = Fail(signer.status()));
    }
    auto v = OpenVaultOf(g);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    if (!f->key_vault.empty()) {
      // The registered Key Vault guardian (name, id or kid) says which key and version signs.
      auto all = ops::ListGuardians(**v);
      if (!all.ok()) return void(g.exit_code = Fail(all.status()));
      std::string kid = f->key_vault;
      for (const auto& x : *all) {
        if (x.name == f->key_vault || x.id == f->key_vault) kid = x.kid;
      }
      auto remote = OpenRemoteSigner(g, KeyNameOf(kid));
      if (!remote.ok()) return void(g.exit_code = Fail(remote.status()));
      signer = ops::KeyVaultApprovalSigner(**v, f->key_vault, std::move(remote).value());
      if (!signer.ok()) return void(g.exit_code = Fail(signer.status()));
    }
    const int64_t now = UnixNow();
    auto a = ops::Approve(**v, *op, now + *dur, f->reason, **signer, now);
    WarnVaultProblems(**v);
    if (!a.ok()) return void(g.exit_code = Fail(a.status()));
    LogEvent(g, "approval", {{"approval", a->id}, {"operation", a->operation}, {"guardian", a->guardian}});
    if (g.json) {
      std::cout << json{{"approval", a->id},
                        {"operation", a->operation},
                        {"guardian", a->guardian},
                        {"created", layout::FormatTime(a->created)},
                        {"expires", layout::FormatTime(a->expires)},
                        {"reason", a->reason}}
                       .dump()
                << "\n";
      return;
    }
    std::cout << "approved '" << Printable(a->operation) << "' in vault " << (*v)->store().Describe()
              << " as approval " << a->id << " by guardian " << a->guardian << ", valid until "
              << layout::FormatTime(a->expires) << "\n";
  });
}

}  // namespace

void AddApprovalCommands(CLI::App& app, GlobalFlags& g) {
  auto* guardian = app.add_subcommand("guardian", "the two-person rule's guardians (docs/approvals.md)");
  guardian->require_subcommand(1);
  AddGenerateKey(guardian, g);
  AddAdd(guardian, g);
  AddList(guardian, g);
  AddRemove(guardian, g);
  AddApprove(app, g);
}

}  // namespace cv::cli
