// src/backends/local/direct_write.h — writing a large object past the page cache.
//
// A backup streams gigabytes of packs into a vault that often sits on the Cassandra node's own disk.
// Written through the page cache, every byte is copied into cache pages that the kernel's flusher
// threads (normal priority, whatever priority the backup runs at) then write back, and that stay cached
// until reclaimed; that was most of a local backup's CPU time. With O_DIRECT the disk's DMA reads our
// buffer, the submitting thread is the backup's own (background) thread, and the page cache that
// Cassandra reads from is left alone.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/status.h"

namespace cv::backends {

// Objects at least this large go past the page cache; smaller ones are not worth the bounce copy.
inline constexpr uint64_t kDirectWriteMin = 1 << 20;

// Writes `data` to `fd`, opened with O_DIRECT at offset 0 of an empty file, in whole 4 KiB blocks from
// an aligned bounce buffer; a last partial block is padded with zeros and cut off again with ftruncate.
// Returns NotSupported when the filesystem refuses the first direct write (EINVAL: a block size
// larger than 4 KiB): the caller then writes the file through the page cache. `path` names the file in
// errors.
Status WriteDirect(int fd, std::span<const uint8_t> data, const std::string& path);

}  // namespace cv::backends
