// src/cli/cli_common.h — what the command files share (defined in commands.cc unless said otherwise):
// the config with the global flags applied, escaping of vault-supplied text, warnings, the run lock.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "core/result.h"
#include "crypto/key_slot.h"
#include "env/process_priority.h"
#include "ops/config.h"
#include "ops/run_lock.h"
#include "vault/vault.h"

namespace cv::cli {

Result<ops::Config> Load(const GlobalFlags& g);
// The configured vault, opened with the configured key (Load, then ops::OpenVault).
Result<std::unique_ptr<vault::Vault>> OpenVaultOf(const GlobalFlags& g);
bool Interactive(const GlobalFlags& g);
// The `--priority background|normal` flag of the commands that do a node's heavy work.
void AddPriorityFlag(CLI::App* cmd, GlobalFlags& g, const char* default_from);
// Sets this process (every thread, and what it starts later) to --priority, else `configured`
// (ops::PacingSettings). A refused I/O class is a warning; a refused CPU priority an error.
Status ApplyPriority(const GlobalFlags& g, env::Priority configured);
// Off a terminal, one JSON log line for a finished operation on stderr.
void LogEvent(const GlobalFlags& g, const std::string& op, nlohmann::json fields);
// Control characters escaped: record fields come from whoever holds a key.
std::string Printable(std::string_view s);
// "cassvault: warning: <what>" on stderr, control characters escaped (Printable).
void Warn(std::string_view what);
void WarnVaultProblems(const vault::Vault& v);
// scrypt parameters for --kdf-cost (InvalidArgument outside the allowed range).
Result<crypto::ScryptParams> KdfParams(int cost);
// A new slot never takes a key file that looks typed: HKDF does not stretch it like scrypt would.
Status RefuseWeakKeyFile(const crypto::KeySecret& s, const std::string& path);

// daemon_commands.cc
// The node's run lock for a command: fails naming the holder (exit 7), or with `wait`, says once on stderr
// why it waits and waits (Ctrl-C ends the wait).
Result<ops::RunLock> TakeRunLock(const ops::Config& config, const std::string& what, bool wait);
// `backup --policy NAME`: the policy's latest slot, now, with its run records. Returns the exit code.
int BackupPolicyNow(GlobalFlags& g, const ops::Config& config, vault::Vault& v, const std::string& name);
void AddDaemonCommands(CLI::App& app, GlobalFlags& g);  // daemon, runs, status
// policy_commands.cc
void AddPolicyCommands(CLI::App& app, GlobalFlags& g);  // policy set|remove|list|show|history|check
// "key slot <id> (<role>) on <user>@<host>": who changed a policy, a backup mark or the vault's settings.
std::string ChangedBy(const vault::Vault& v);
// retention_commands.cc
void AddRetentionCommands(CLI::App& app, GlobalFlags& g);  // forget, undelete, retain, lock, settings
// key_commands.cc
void AddKeyCommands(CLI::App& app, GlobalFlags& g);  // key generate-file|list|add|remove|rotate
// prune_commands.cc
void AddPruneCommands(CLI::App& app, GlobalFlags& g);  // prune
// audit_commands.cc
void AddAuditCommands(CLI::App& app, GlobalFlags& g);  // audit [--verify], audit checkpoint
// approval_commands.cc
void AddApprovalCommands(CLI::App& app, GlobalFlags& g);  // guardian generate-key|add|list|remove, approve

}  // namespace cv::cli
