#include "backends/local/direct_io.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace cv::backends {
namespace {

constexpr uint64_t kBlock = kDirectBlock;
constexpr uint64_t kBounce = 1 << 20;  // a whole number of blocks

// One per thread: the store writes packs from several threads at once, each reusing its own buffer.
uint8_t* BounceBuffer() {
  thread_local std::vector<uint8_t> buf;
  return AlignedWindow(&buf, kBounce);
}

}  // namespace

uint8_t* AlignedWindow(std::vector<uint8_t>* buf, uint64_t bytes) {
  if (buf->size() < bytes + kBlock) buf->resize(bytes + kBlock);
  const auto addr = reinterpret_cast<uintptr_t>(buf->data());
  return buf->data() + ((kBlock - addr % kBlock) % kBlock);
}

Status WriteDirect(int fd, std::span<const uint8_t> data, const std::string& path) {
  uint8_t* bounce = BounceBuffer();
  uint64_t offset = 0;
  while (offset < data.size()) {
    const size_t n = std::min<uint64_t>(kBounce, data.size() - offset);
    const size_t padded = (n + kBlock - 1) & ~(kBlock - 1);
    std::memcpy(bounce, data.data() + offset, n);
    std::memset(bounce + n, 0, padded - n);
    size_t done = 0;
    while (done < padded) {
      ssize_t w = ::pwrite(fd, bounce + done, padded - done, static_cast<off_t>(offset + done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EINVAL && offset == 0 && done == 0)
        return Status::NotSupported(path, "O_DIRECT write");
      if (w < 0) return Status::FromErrno(errno, path, "write");
      done += static_cast<size_t>(w);
      // A short direct write (a full disk) that stops inside a block leaves nothing aligned to go on from.
      if (w == 0 || done % kBlock != 0) return Status::IOError(path, "short write: is the disk full?");
    }
    offset += n;
  }
  if (data.size() % kBlock != 0 && ::ftruncate(fd, static_cast<off_t>(data.size())) != 0) {
    return Status::FromErrno(errno, path, "truncate");
  }
  return Status::OK();
}

}  // namespace cv::backends
