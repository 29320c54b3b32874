// src/cli/main.cc — the `cassvault` command: parses flags, loads the config, calls one operation in
// ops/, and turns its Status into a message and an exit code. No logic of its own.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "backends/registry.h"
#include "cli/commands.h"
#include "env/process_hardening.h"

// A function-try-block: whatever escapes (out of memory while the flags are being declared, say) becomes a
// message and an exit code, never an abort.
int main(int argc, char** argv) try {
  // First, before any key exists: no core dump may hold one (CASSVAULT_ALLOW_CORE_DUMPS=1 to debug).
  if (std::string warning = cv::env::DisableCoreDumps(); !warning.empty()) {
    std::cerr << "cassvault: warning: core dumps stay enabled: " << warning << "\n";
  }
  // CASSVAULT_STATS=1: one JSON line of the store requests this command made, on stderr at exit
  // (bench/scale).
  if (cv::backends::StatsRequested()) {
    std::atexit([]() noexcept {
      try {
        std::cerr << cv::backends::StatsJson() << "\n";
      } catch (...) {  // out of memory at exit: no line, never an abort
      }
    });
  }
  CLI::App app{"cassvault — backup and restore for Apache Cassandra"};
  app.set_version_flag("--version", std::string("cassvault ") + CASSVAULT_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global flags (--json, --config) may follow the subcommand
  cv::cli::GlobalFlags global;
  app.add_option("--config", global.config,
                 "config file (default: $CASSVAULT_CONFIG, /etc/cassvault/cassvault.yaml)");
  app.add_flag("--json", global.json, "machine-readable output on stdout");
  app.add_option("--max-bandwidth", global.max_bandwidth,
                 "cap on vault transfer rate, e.g. 50MiB (per second; default vault.transfer.max_bandwidth)");
  cv::cli::RegisterCommands(app, global);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : cv::cli::kExitUsage;
  } catch (const std::bad_alloc&) {  // a message and an exit code, never an abort (docs/cli.md)
    std::cerr << "cassvault: out of memory; the operation stopped (nothing after this point was done)\n";
    return cv::cli::kExitUnavailable;
  }
  return global.exit_code;
} catch (const std::exception& e) {
  std::cerr << "cassvault: " << e.what() << "\n";
  return cv::cli::kExitFailure;
} catch (...) {
  return cv::cli::kExitFailure;
}
