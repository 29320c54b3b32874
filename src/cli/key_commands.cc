// `cassvault key generate-file | list | add | remove | rotate`: parse, call ops/key_ops.h, print. A new
// secret never comes from argv: a key file path, or the name of a variable holding the passphrase.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/cli_common.h"
#include "crypto/key_slot.h"
#include "env/clock.h"
#include "ops/key_ops.h"
#include "ops/key_vault_slots.h"
#include "ops/node_session.h"

namespace cv::cli {
namespace {

using nlohmann::json;

// Where a new slot's secret comes from: --new-key-file or --new-passphrase-env (the variable is read and
// never printed).
struct NewSecretFlags {
  std::string file, env;
  int cost = crypto::kDefaultKdfCost;
  void Register(CLI::App* cmd, bool with_cost = true) {
    auto* f = cmd->add_option("--new-key-file", file, "the key file the new slot opens with");
    auto* e = cmd->add_option("--new-passphrase-env", env,
                              "name of the environment variable holding the new passphrase");
    f->excludes(e);
    if (with_cost)
      cmd->add_option("--kdf-cost", cost, "passphrase slot: log2 of scrypt's work N*p, 15..20 (default 17)");
  }
  bool given() const { return !file.empty() || !env.empty(); }
  Result<crypto::KeySecret> Load() const {
    if (!file.empty()) {
      CV_ASSIGN_OR_RETURN(crypto::KeySecret s, crypto::LoadKeyFile(file));
      CV_RETURN_IF_ERROR(RefuseWeakKeyFile(s, file));
      return s;
    }
    const char* pass = std::getenv(env.c_str());
    if (pass == nullptr || *pass == '\0')
      return Status::InvalidArgument("--new-passphrase-env " + env, "the variable is not set or empty");
    return crypto::PassphraseSecret(pass);
  }
};

std::optional<crypto::KeyRole> ParseRole(const std::string& role) {
  if (role == "writer") return crypto::KeyRole::kWriter;
  if (role == "reader") return crypto::KeyRole::kReader;
  if (role == "admin") return crypto::KeyRole::kAdmin;
  return std::nullopt;
}

// The configured Key Vault, or an error saying how to configure it.
Result<ops::ConfiguredKeyVault> RequireKeyVault(const ops::Config& cfg, const std::string& what) {
  Result<ops::ConfiguredKeyVault> kv = ops::OpenConfiguredKeyVault(cfg);
  if (kv.ok()) return kv;
  if (kv.status().IsNotFound()) {
    return Status::InvalidArgument(
        what, "vault.key_vault is not configured in " + cfg.path + ": set its url and key (docs/config.md)");
  }
  return kv.status().Annotate(what);
}

// Key-slot changes are an admin's: when the admin's key is at hand without a prompt (vault.key_file, or the
// passphrase variable set), the vault is opened with it, not with a Key Vault slot that may hold a lesser
// role (Key Vault then only wraps); otherwise as every command opens it, Key Vault first.
Result<std::unique_ptr<vault::Vault>> OpenForKeyChange(const ops::Config& cfg,
                                                       const Result<ops::ConfiguredKeyVault>& kv) {
  const char* pass = std::getenv(cfg.passphrase_env.c_str());
  bool recovery_at_hand = !cfg.key_file.empty() || (pass != nullptr && *pass != '\0');
  if (recovery_at_hand) return ops::OpenVault(cfg, Status::NotFound("vault.key_vault", "not used to unlock"));
  return ops::OpenVault(cfg, kv);
}

void AddGenerateFile(CLI::App* key, GlobalFlags& g) {
  auto* gen =
      key->add_subcommand("generate-file", "write a new random key file (mode 0600, never overwrites)");
  auto path = std::make_shared<std::string>();
  gen->add_option("PATH", *path, "where to write it (must not exist)")->required();
  gen->callback([&g, path] {
    Status st = crypto::WriteNewKeyFile(*path);
    if (!st.ok()) return void(g.exit_code = Fail(st));
    if (g.json) {
      std::cout << json{{"key_file", *path}}.dump() << "\n";
    } else {
      std::cout << "wrote key file " << *path
                << " (32 random bytes, mode 0600); keep a copy offline: without a key the vault is lost\n";
    }
  });
}

void AddAdd(CLI::App* key, GlobalFlags& g) {
  auto* add = key->add_subcommand(
      "add", "add a key slot: another passphrase, key file or Azure Key Vault key that opens the vault");
  auto flags = std::make_shared<NewSecretFlags>();
  flags->Register(add);
  auto key_vault = std::make_shared<bool>(false);
  add->add_flag(
      "--key-vault", *key_vault,
      "format 2: a slot wrapped by the Azure Key Vault key of vault.key_vault (its newest version)");
  auto role = std::make_shared<std::string>();
  add->add_option("--role", *role,
                  "format 2: what the new slot may do: writer (back up, list, fast verify), reader (also "
                  "restore, deep verify) or admin (everything). Default: the role of the key used now")
      ->check(CLI::IsMember({"writer", "reader", "admin"}));
  add->callback([&g, flags, key_vault, role] {
    if (static_cast<int>(!flags->file.empty()) + static_cast<int>(!flags->env.empty()) +
            static_cast<int>(*key_vault) !=
        1) {
      return void(g.exit_code = Fail(Status::InvalidArgument(
                      "key add",
                      "give exactly one of --new-key-file PATH, --new-passphrase-env VAR or --key-vault")));
    }
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    Result<std::string> id = Status::Internal("key add", "no slot");
    if (*key_vault) {
      auto kv = RequireKeyVault(*cfg, "key add --key-vault");
      if (!kv.ok()) return void(g.exit_code = Fail(kv.status()));
      auto v = OpenForKeyChange(*cfg, kv);
      if (!v.ok()) return void(g.exit_code = Fail(v.status()));
      WarnVaultProblems(**v);
      id = ops::AddKeyVaultSlot(**v, *kv->wrapper, ParseRole(*role));
    } else {
      auto params = KdfParams(flags->cost);
      if (!params.ok()) return void(g.exit_code = Fail(params.status()));
      auto secret = flags->Load();
      if (!secret.ok()) return void(g.exit_code = Fail(secret.status()));
      auto v = OpenForKeyChange(*cfg, ops::OpenConfiguredKeyVault(*cfg));
      if (!v.ok()) return void(g.exit_code = Fail(v.status()));
      WarnVaultProblems(**v);
      id = ops::AddSecretSlot(**v, *secret, *params, ParseRole(*role));
    }
    if (!id.ok()) return void(g.exit_code = Fail(id.status().Annotate("key add")));
    if (g.json) {
      std::cout << json{{"slot", *id}}.dump() << "\n";
    } else {
      std::cout << "added key slot " << *id << "\n";
    }
  });
}

void AddList(CLI::App* key, GlobalFlags& g) {
  auto* list =
      key->add_subcommand("list", "list the key slots: id, kind, role, Key Vault key id (no secret)");
  list->callback([&g] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    auto v = ops::OpenVault(*cfg);
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    auto rows = ops::ListSlots(**v);
    if (!rows.ok()) return void(g.exit_code = Fail(rows.status()));
    if (g.json) {
      json a = json::array();
      for (const auto& r : *rows) {
        json j = {{"key", r.object}, {"id", r.id}};
        if (!r.problem.empty()) {
          j["problem"] = r.problem;
        } else {
          j["kind"] = r.kind;
          j["format"] = r.format;
          if (!r.role.empty()) j["role"] = r.role;
          if (!r.kid.empty()) j["kid"] = r.kid, j["alg"] = r.alg;
          if (r.kind == "passphrase") j["log2_n"] = r.scrypt.log2_n, j["r"] = r.scrypt.r, j["p"] = r.scrypt.p;
          j["opened"] = r.opened;
        }
        a.push_back(j);
      }
      std::cout << a.dump() << "\n";
      return;
    }
    for (const auto& r : *rows) {
      std::cout << Printable(r.id.empty() ? r.object : r.id) << "  ";
      if (!r.problem.empty()) {
        std::cout << "NOT A VALID SLOT: " << Printable(r.problem) << "\n";
        continue;
      }
      std::cout << r.kind;
      if (!r.role.empty()) std::cout << "  role=" << r.role;
      if (r.kind == "passphrase")
        std::cout << "  scrypt log2_n=" << r.scrypt.log2_n << " r=" << r.scrypt.r << " p=" << r.scrypt.p;
      if (!r.kid.empty()) std::cout << "  kid=" << Printable(r.kid) << "  alg=" << Printable(r.alg);
      if (r.opened) std::cout << "  (opened this command)";
      std::cout << "\n";
    }
  });
}

void AddRemove(CLI::App* key, GlobalFlags& g) {
  auto* rm = key->add_subcommand(
      "remove",
      "remove a key slot (admin key); refused for the last slot that opens the vault, reads backups, "
      "or is admin");
  auto slot = std::make_shared<std::string>();
  rm->add_option("SLOT", *slot, "the slot id (see `cassvault key list`)")->required();
  rm->callback([&g, slot] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    auto v = OpenForKeyChange(*cfg, ops::OpenConfiguredKeyVault(*cfg));
    if (!v.ok()) return void(g.exit_code = Fail(v.status()));
    WarnVaultProblems(**v);
    Status st = ops::RemoveSlot(**v, *slot, env::UnixNow());
    if (!st.ok()) return void(g.exit_code = Fail(st));
    if (g.json) {
      std::cout << json{{"removed", *slot}}.dump() << "\n";
    } else {
      std::cout << "removed key slot " << Printable(*slot) << "\n";
    }
  });
}

void AddRotate(CLI::App* key, GlobalFlags& g) {
  auto* rot = key->add_subcommand(
      "rotate",
      "replace a key slot: a Key Vault slot is wrapped with the key's newest version; a passphrase or "
      "key file slot gets the new secret given. The new slot is proven to open before the old one goes");
  auto slot = std::make_shared<std::string>();
  rot->add_option("--slot", *slot, "the slot id (see `cassvault key list`)")->required();
  auto flags = std::make_shared<NewSecretFlags>();
  flags->Register(rot);
  rot->callback([&g, slot, flags] {
    auto cfg = Load(g);
    if (!cfg.ok()) return void(g.exit_code = Fail(cfg.status()));
    Result<ops::RotateResult> r = Status::Internal("key rotate", "nothing done");
    if (flags->given()) {
      auto params = KdfParams(flags->cost);
      if (!params.ok()) return void(g.exit_code = Fail(params.status()));
      auto secret = flags->Load();
      if (!secret.ok()) return void(g.exit_code = Fail(secret.status()));
      auto v = OpenForKeyChange(*cfg, ops::OpenConfiguredKeyVault(*cfg));
      if (!v.ok()) return void(g.exit_code = Fail(v.status()));
      WarnVaultProblems(**v);
      r = ops::RotateSecretSlot(**v, *slot, *secret, *params);
    } else {
      auto kv = RequireKeyVault(*cfg, "key rotate --slot " + *slot);
      if (!kv.ok()) {
        return void(g.exit_code =
                        Fail(kv.status().code() == StatusCode::kInvalidArgument
                                 ? Status::InvalidArgument(
                                       kv.status().message(),
                                       "a passphrase or key file slot is rotated with --new-key-file "
                                       "PATH or --new-passphrase-env VAR; a Key Vault slot needs "
                                       "vault.key_vault")
                                 : kv.status()));
      }
      auto v = OpenForKeyChange(*cfg, kv);
      if (!v.ok()) return void(g.exit_code = Fail(v.status()));
      WarnVaultProblems(**v);
      r = ops::RotateKeyVaultSlot(**v, *kv->wrapper, *slot);
    }
    if (!r.ok()) return void(g.exit_code = Fail(r.status()));
    if (g.json) {
      json j = {{"old_slot", r->old_slot}, {"new_slot", r->new_slot}, {"unchanged", r->unchanged}};
      if (!r->new_kid.empty()) j["old_kid"] = r->old_kid, j["new_kid"] = r->new_kid;
      std::cout << j.dump() << "\n";
    } else if (r->unchanged) {
      std::cout << "key slot " << Printable(r->old_slot) << " already uses the newest key version "
                << Printable(r->new_kid) << "; nothing changed\n";
    } else {
      std::cout << "key slot " << Printable(r->old_slot) << " replaced by " << r->new_slot;
      if (!r->new_kid.empty())
        std::cout << " (" << Printable(r->old_kid) << " -> " << Printable(r->new_kid) << ")";
      std::cout << "\n";
    }
  });
}

}  // namespace

void AddKeyCommands(CLI::App& app, GlobalFlags& g) {
  auto* key = app.add_subcommand("key", "manage the vault's key slots");
  key->require_subcommand(1);
  AddGenerateFile(key, g);
  AddList(key, g);
  AddAdd(key, g);
  AddRemove(key, g);
  AddRotate(key, g);
}

}  // namespace cv::cli
