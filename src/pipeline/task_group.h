// src/pipeline/task_group.h — a fixed pool of worker threads with a bounded queue and first-error
// semantics (DuckDB's TaskExecutor): the first task that fails cancels the rest, and that error is
// the one reported. A full queue blocks the producer instead of growing memory.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"

namespace cv::pipeline {

class TaskGroup {
 public:
  TaskGroup(int threads, size_t max_queued);
  ~TaskGroup();  // waits for the workers
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Queues a task; blocks while the queue is full. Dropped silently once the group has failed.
  void Submit(std::function<Status()> task);
  // Stops accepting work, runs what is queued (unless failed), joins, returns the first error.
  Status Wait();
  bool failed() const { return failed_.load(); }
  // Fails the group from outside (e.g. the producer hit an error).
  void Fail(Status st);

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::function<Status()>> queue_;
  size_t max_queued_;
  bool closing_ = false;
  std::atomic<bool> failed_{false};
  Status first_error_;
  std::vector<std::thread> threads_;
};

// Fixed set of equally sized buffers: the memory budget of a pipeline. Acquire blocks until one is free.
class BufferPool {
 public:
  BufferPool(size_t count, size_t size);
  std::vector<uint8_t> Acquire();
  void Release(std::vector<uint8_t> buf);
  size_t buffer_size() const { return size_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<uint8_t>> free_;
  size_t size_;
};

// Default worker count: one per core, at least 2 (I/O waits overlap with work).
int DefaultParallelism();

}  // namespace cv::pipeline
