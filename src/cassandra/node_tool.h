// src/cassandra/node_tool.h — the node's control plane: nodetool, run as a child process (argv only,
// no shell). The command comes from config (e.g. ["/opt/cassandra/bin/nodetool", "-h", "127.0.0.1",
// "-p", "7199"]); credentials, if any, are passed in a file, never argv.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace cv::cassandra {

struct ProcessResult {
  int exit_code = 0;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs argv[0] with args, waits, captures output. NotFound if the program does not exist.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv);

class NodeTool {
 public:
  explicit NodeTool(std::vector<std::string> command) : command_(std::move(command)) {}

  // Each returns Unavailable("nodetool <sub>", "<stderr tail>") when nodetool fails (node down, JMX
  // unreachable), NotFound when the program is missing, AlreadyExists when nodetool says so (a
  // snapshot tag in use), InvalidArgument for names that are not [\w]+ (tags: [\w-]+) before running.
  Status Flush(const std::vector<std::string>& keyspaces = {});
  // `tables` as "ks.table" (uses -kt) or whole keyspaces (`keyspaces`); both empty = all.
  Status Snapshot(const std::string& tag, const std::vector<std::string>& keyspaces,
                  const std::vector<std::string>& tables);
  Status ClearSnapshot(const std::string& tag);
  // nodetool import <ks> <table> <dir>: moves the files in. Extra flags e.g. {"-l"}.
  Status Import(const std::string& keyspace, const std::string& table, const std::string& dir,
                const std::vector<std::string>& flags = {});
  Result<ProcessResult> Run(const std::vector<std::string>& args);

 private:
  std::vector<std::string> command_;
};

}  // namespace cv::cassandra
