// src/env/private_file.h — files that hold a password (the CQL credentials file, the JMX password
// file, a CQL client key) must be private to their owner, as ssh demands of a private key: one that
// group or others may read or write is refused rather than used.
#pragma once

#include <string>

#include "core/status.h"

namespace cv::env {

// OK for a regular file (symlinks followed) with no group or other permission bits. NotFound when it
// does not exist; InvalidArgument("<what> <path>", "... (mode 0644); chmod 600 it") otherwise.
Status CheckPrivateFile(const std::string& path, const std::string& what);

}  // namespace cv::env
