// src/env/child_process.h — the one way cassvault starts another program (nodetool, sstableloader, az):
// argv only, no shell, stdin from /dev/null, output captured, no other descriptor of ours, a deadline after
// which the child and everything it started (its process group) is killed, the same when cassvault itself
// dies (even by SIGKILL: a guard process watches it), and an environment built from an allow-list.
//
// Why an allow-list: our own environment holds the vault passphrase and cloud secrets
// (CASSVAULT_PASSPHRASE, AWS_SECRET_ACCESS_KEY, AZURE_CLIENT_SECRET, a SAS token, ...). A child needs
// none of them, and a deny-list would miss the next secret someone adds.
#pragma once

#include <array>
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cv::env {

struct ChildResult {
  int exit_code = 0;  // 128 + signal when killed by one (the shell's convention)
  std::string out;    // stdout
  std::string err;    // stderr
  // User + system CPU time of the program and of every descendant it waited for (a script's JVM), as
  // wait4 reports it for the guard process (the kernel folds in what each level reaped). What the
  // program leaves running unreaped is not counted.
  double cpu_seconds = 0;
};

struct ChildOptions {
  // Zero: no deadline. Past it, the whole process group is killed (SIGKILL) and the call fails.
  std::chrono::milliseconds timeout{0};
  // Where the deadline comes from, for the message (e.g. "node.nodetool_timeout").
  std::string timeout_setting;
  // Variables passed on beyond kBaseEnvironment: exact names, or a prefix ending in '*' (usually one of
  // the lists below; whatever it views must outlive the RunChild call).
  std::span<const std::string_view> allow_env;
  // Variables set for the child ("NAME=value"), replacing any passed on under the same name.
  std::vector<std::string> set_env;
};

// The lists are constant arrays of views: nothing is allocated (or can throw) before main.
// What every child gets from our environment: locale, time zone, where programs and home are.
inline constexpr auto kBaseEnvironment = std::to_array<std::string_view>(
    {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_*", "LANGUAGE", "TZ", "TMPDIR"});
// What nodetool (a JVM launched by a shell script) needs on top. JAVA_TOOL_OPTIONS is passed: it is the
// JVM's own configuration channel (e.g. a truststore for JMX over TLS), which cassvault never reads.
inline constexpr auto kJavaEnvironment =
    std::to_array<std::string_view>({"JAVA_HOME", "JAVA_TOOL_OPTIONS", "JVM_OPTS", "CASSANDRA_HOME",
                                     "CASSANDRA_CONF", "CASSANDRA_INCLUDE", "CASSANDRA_LOG_DIR"});
// What the Azure CLI needs on top: its configuration directory and settings (never AZURE_CLIENT_SECRET,
// AZURE_STORAGE_KEY or a SAS), proxies and CA bundles.
inline constexpr auto kAzureCliEnvironment = std::to_array<std::string_view>(
    {"AZURE_CONFIG_DIR", "AZURE_EXTENSION_DIR", "AZURE_CORE_*", "AZURE_CLOUD_*", "AZURE_DEFAULTS_*",
     "AZURE_LOGGING_*", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
     "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"});

// The "NAME=value" entries of `envp` whose names kBaseEnvironment or `allow` admit, in envp order.
std::vector<std::string> AllowedEnvironment(const char* const* envp, std::span<const std::string_view> allow);

// Runs argv[0] (looked up on PATH when it has no '/'), waits, captures output. NotFound when the
// program does not exist; DeadlineExceeded("<argv[0]>", "still running after N s (<setting>); killed
// with its process group") past the deadline. The calling thread must wait here (it does): the group is
// killed when that thread dies.
Result<ChildResult> RunChild(const std::vector<std::string>& argv, const ChildOptions& options);

}  // namespace cv::env
