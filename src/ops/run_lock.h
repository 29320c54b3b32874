// src/ops/run_lock.h — one backup at a time per node: flock(2) on <cache_dir>/run.lock. The OS releases
// the lock when the holder dies (kill -9 included), so a crash never leaves the node locked. The file
// says who holds it ("pid=<n> since=<UTC time> what=<op>") so that a waiter can say why it waits.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/result.h"
#include "env/unique_fd.h"

namespace cv::ops {

class RunLock {
 public:
  // Takes the lock without waiting. FailedPrecondition("run lock <path>", "another cassvault (pid 123,
  // since ..., <what>) is running on this node; ...") when another process holds it.
  static Result<RunLock> TryAcquire(const std::string& cache_dir, const std::string& what);
  // Waits for the lock: `on_wait` is called once, with the holder's description, when it must wait.
  // Stops waiting (Cancelled) as soon as `*stop` is set (checked every `poll_ms`).
  static Result<RunLock> Acquire(const std::string& cache_dir, const std::string& what,
                                 const std::function<void(const std::string& holder)>& on_wait,
                                 const std::atomic<bool>* stop, int poll_ms = 500);
  // Who holds the lock now, as "pid 123, since 2026-12-06T10:00:00Z, daemon ..."; "" when free or unknown.
  static std::string Holder(const std::string& cache_dir);

  RunLock(RunLock&&) noexcept = default;
  RunLock& operator=(RunLock&&) noexcept = default;
  ~RunLock() = default;  // closing the descriptor releases the lock

  const std::string& path() const { return path_; }

 private:
  RunLock(env::UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  env::UniqueFd fd_;
  std::string path_;
};

// "pid=123 since=2026-12-06T10:00:00Z what=daemon backup" -> "pid 123, since 2026-12-06T10:00:00Z, daemon
// backup". Anything else (an empty file, junk) -> "". Control characters are dropped.
std::string DescribeRunLockHolder(const std::string& content);

}  // namespace cv::ops
