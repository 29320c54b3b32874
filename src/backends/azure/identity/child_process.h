// src/backends/azure/identity/child_process.h — runs a program (argv, no shell) with a deadline and
// captures its output: how AzureCliCredential asks `az`. A child that outlives the deadline is killed.
//
// (cassandra/node_tool.h has a runner without a deadline for nodetool; backends may not depend on
// cassandra/, and a hung `az login` prompt must not hang a backup.)
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"

namespace cv::backends::azure::identity {

struct ChildResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// NotFound when the program is not on PATH; DeadlineExceeded when it runs past `timeout`.
Result<ChildResult> RunChild(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace cv::backends::azure::identity
