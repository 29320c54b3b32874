// src/env/process_hardening.h — what cassvault does to its own process at start: no core dumps.
//
// Why: a crash (one the store could provoke) would otherwise leave a core holding the master, data and
// id keys and the passphrase, and a collector such as systemd-coredump or apport keeps it.
#pragma once

#include <string>

namespace cv::env {

// The debug switch: with CASSVAULT_ALLOW_CORE_DUMPS=1 in the environment, the process stays dumpable
// (key pages are still left out of cores: MADV_DONTDUMP).
inline constexpr const char* kAllowCoreDumpsVar = "CASSVAULT_ALLOW_CORE_DUMPS";

// prctl(PR_SET_DUMPABLE, 0) (no core, no ptrace attach by the same uid, /proc/<pid> owned by root) and
// RLIMIT_CORE 0, unless the debug switch is set. Returns a warning to print, or "" when all went well.
std::string DisableCoreDumps();

}  // namespace cv::env
