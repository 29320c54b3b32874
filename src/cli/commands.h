// src/cli/commands.h — the subcommands. Exit codes (docs/cli.md) are stable: scripts depend on them.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/status.h"

namespace cv::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // anything not listed below
inline constexpr int kExitUsage = 2;        // bad flags or arguments
inline constexpr int kExitConfig = 3;       // bad or missing config / input
inline constexpr int kExitNotFound = 4;     // vault, backup, keyspace, file missing
inline constexpr int kExitCorruption = 5;   // corruption detected (vault or SSTable)
inline constexpr int kExitAccess = 6;       // wrong key, missing permission, no credentials
inline constexpr int kExitState = 7;        // wrong state: node running for offline, vault exists ...
inline constexpr int kExitUnavailable = 8;  // node / endpoint unreachable, disk full

struct GlobalFlags {
  std::string config;
  bool json = false;
  std::string max_bandwidth;  // overrides vault.transfer.max_bandwidth
  std::string priority;       // --priority: overrides backup.priority / restore.priority for this run
  int exit_code = 0;
};

void RegisterCommands(CLI::App& app, GlobalFlags& global);
int ExitCodeFor(const Status& st);
// Prints "cassvault: <what>" to stderr and returns the exit code.
int Fail(const Status& st);

}  // namespace cv::cli
