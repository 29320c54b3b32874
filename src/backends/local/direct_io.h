// src/backends/local/direct_io.h — moving large objects past the page cache (O_DIRECT).
//
// A backup streams gigabytes of packs into a vault that often sits on the Cassandra node's own disk.
// Written through the page cache, every byte is copied into cache pages that the kernel's flusher
// threads (normal priority, whatever priority the backup runs at) then write back, and that stay cached
// until reclaimed; that was most of a local backup's CPU time. With O_DIRECT the disk's DMA reads our
// buffer, the submitting thread is the backup's own (background) thread, and the page cache that
// Cassandra reads from is left alone. A restore's large reads skip the cache's fill and copy the same way.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace cv::backends {

// O_DIRECT moves whole blocks between block-aligned memory and block-aligned file offsets.
inline constexpr uint64_t kDirectBlock = 4096;
// Objects written, and ranges read, at least this large go past the page cache; smaller ones are not
// worth the bounce copy or the block rounding.
inline constexpr uint64_t kDirectMin = 1 << 20;

// A block-aligned window of `bytes` inside `*buf`, which grows (by a block of slack) when too small.
// std::bad_alloc propagates.
uint8_t* AlignedWindow(std::vector<uint8_t>* buf, uint64_t bytes);

// Writes `data` to `fd`, opened with O_DIRECT at offset 0 of an empty file, in whole blocks from an
// aligned bounce buffer; a last partial block is padded with zeros and cut off again with ftruncate.
// Returns NotSupported when the filesystem refuses the first direct write (EINVAL: a block size
// larger than kDirectBlock): the caller then writes the file through the page cache. `path` names the
// file in errors.
Status WriteDirect(int fd, std::span<const uint8_t> data, const std::string& path);

}  // namespace cv::backends
