// src/env/open_files.h — which other process has a file under a directory open (/proc/<pid>/fd), or
// names a file on its command line: how the offline interlock sees a running Cassandra even when none
// of its ports answers (native transport and JMX off, a node still starting or stopping).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace cv::env {

struct ProcessUse {
  pid_t pid = 0;
  std::string command;  // /proc/<pid>/comm
  std::string what;     // the open file, or the argument that named the file
};

// The first process other than this one that has a file open under one of `dirs` (or the directory
// itself), else a `java` process whose command line ends an argument with one of `named_files`. Processes
// whose /proc entries this user may not read are skipped (run as root to see all).
std::optional<ProcessUse> FindProcessUsing(const std::vector<std::string>& dirs,
                                           const std::vector<std::string>& named_files);

}  // namespace cv::env
