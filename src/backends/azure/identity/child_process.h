// src/backends/azure/identity/child_process.h — how AzureCliCredential asks `az`: env::RunChild with a
// deadline (a hung `az login` prompt must not hang a backup; the whole process group is killed) and
// an environment that holds only what `az` needs (env::kAzureCliEnvironment): never the passphrase,
// a storage key, a SAS or a client secret.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"
#include "env/child_process.h"

namespace cv::backends::azure::identity {

using ChildResult = env::ChildResult;

// NotFound when the program is not on PATH; DeadlineExceeded when it runs past `timeout`.
Result<ChildResult> RunChild(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace cv::backends::azure::identity
