// src/cassandra/node_tool.h — the node's control plane: nodetool, run as a child process (argv only,
// no shell). The command comes from config (e.g. ["/opt/cassandra/bin/nodetool", "-h", "127.0.0.1",
// "-p", "7199"]); credentials, if any, are passed in a file (`-pwf`), never argv. Every call has a
// deadline: a hung JMX call must not hang a backup (and its snapshot) for ever.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "cassandra/jvm_class_cache.h"
#include "core/result.h"
#include "env/child_process.h"

namespace cv::cassandra {

using ProcessResult = env::ChildResult;
// Runs argv[0] with args (environment: env::kJavaEnvironment), waits, captures output. NotFound if the
// program does not exist.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv);

struct NodeToolSettings {
  std::vector<std::string> command = {"nodetool"};
  std::chrono::seconds timeout{120};           // every call but those below (node.nodetool_timeout)
  std::chrono::seconds snapshot_timeout{600};  // snapshot (node.snapshot_timeout)
  std::chrono::seconds import_timeout{3600};  // import: verifies and loads whole tables (node.import_timeout)
  // JMX authentication: `-u USER -pwf FILE` (FILE in JMX's "user password" format, mode 0600).
  std::string jmx_username;
  std::string jmx_password_file;
  // Where nodetool's class-data-sharing archive is kept (jvm_class_cache.h); empty: none
  // (node.nodetool_class_cache: false). Config sets it to <cache_dir>/jvm-classes.
  std::string class_cache_dir;
};

// Where nodetool connects: `-h/--host` and `-p/--port` of the command (nodetool's defaults
// 127.0.0.1:7199 otherwise). InvalidArgument for a port that is not a number in 1..65535.
struct JmxEndpoint {
  std::string host = "127.0.0.1";
  int port = 7199;
};
Result<JmxEndpoint> JmxEndpointOf(const std::vector<std::string>& command);

// The longest -kt list a snapshot passes. Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN); a node
// with thousands of tables gets a snapshot of whole keyspaces instead (a larger flush, nothing missed).
inline constexpr size_t kMaxSnapshotTableList = size_t{96} * 1024;

class NodeTool {
 public:
  explicit NodeTool(std::vector<std::string> command);
  explicit NodeTool(NodeToolSettings settings);

  // Each returns Unavailable("nodetool <sub>", "<stderr tail>") when nodetool fails (node down, JMX
  // unreachable), NotFound when the program is missing, AlreadyExists when nodetool says so (a
  // snapshot tag in use), InvalidArgument for names that are not [\w]+ (tags: [\w-]+) before running.
  Status Flush(const std::vector<std::string>& keyspaces = {});
  // `tables` as "ks.table" (uses -kt) or whole keyspaces (`keyspaces`); both empty = all.
  Status Snapshot(const std::string& tag, const std::vector<std::string>& keyspaces,
                  const std::vector<std::string>& tables);
  // A backup's snapshot: exactly `tables` ("ks.table", with -kt), so that only they are flushed; or, when
  // their list would not fit in one argument (kMaxSnapshotTableList), the whole `keyspaces` they are in.
  Status SnapshotTablesOrKeyspaces(const std::string& tag, const std::vector<std::string>& tables,
                                   const std::vector<std::string>& keyspaces);
  Status ClearSnapshot(const std::string& tag);
  // nodetool import <ks> <table> <dir>: moves the files in. Extra flags e.g. {"-l"}.
  Status Import(const std::string& keyspace, const std::string& table, const std::string& dir,
                const std::vector<std::string>& flags = {});
  // The full argv of one call (command, JMX credentials, args): what Run starts.
  std::vector<std::string> Argv(const std::vector<std::string>& args) const;
  Result<ProcessResult> Run(const std::vector<std::string>& args);

  // What the nodetool processes this object ran cost: how many were started, and their user + system CPU
  // seconds (a JVM start-up is about one). A call killed at its deadline is counted, its CPU time is not.
  int runs() const { return runs_; }
  double cpu_seconds() const { return cpu_seconds_; }

 private:
  NodeToolSettings settings_;
  JvmClassCache class_cache_;
  int runs_ = 0;
  double cpu_seconds_ = 0;
};

}  // namespace cv::cassandra
