// src/cassandra/read_file.h — reading the small text files Cassandra leaves next to its data
// (cassandra.yaml, schema.cql, Digest.crc32, CompressionInfo.db). Internal to src/cassandra.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.h"

namespace cv::cassandra {

// The whole file. NotFound if absent; InvalidArgument if larger than `max_bytes`, which guards against
// a wrong path pointing at something huge.
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

// The same for a file inside a data directory, which the Cassandra account can change: the last
// component is opened O_NOFOLLOW (a symlink there is refused with PermissionDenied, naming it), and
// only a regular file is read (a FIFO cannot hang the caller).
Result<std::string> ReadDataDirFile(const std::string& path, size_t max_bytes);

}  // namespace cv::cassandra
