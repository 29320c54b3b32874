#include "pipeline/task_group.h"

namespace cv::pipeline {

TaskGroup::TaskGroup(int threads, size_t max_queued) : max_queued_(max_queued < 1 ? 1 : max_queued) {
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) threads_.emplace_back([this] { Work(); });
}

TaskGroup::~TaskGroup() { (void)Wait(); }

void TaskGroup::Submit(std::function<Status()> task) {
  std::unique_lock<std::mutex> lock(mu_);
  not_full_.wait(lock, [&] { return queue_.size() < max_queued_ || failed_ || closing_; });
  if (failed_ || closing_) return;
  queue_.push_back(std::move(task));
  not_empty_.notify_one();
}

void TaskGroup::Fail(Status st) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failed_) {
    first_error_ = std::move(st);
    failed_ = true;
  }
  queue_.clear();
  not_full_.notify_all();
  not_empty_.notify_all();
}

void TaskGroup::Work() {
  for (;;) {
    std::function<Status()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      not_empty_.wait(lock, [&] { return !queue_.empty() || closing_ || failed_; });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      not_full_.notify_one();
    }
    Status st = task();
    if (!st.ok()) Fail(std::move(st));
  }
}

Status TaskGroup::Wait() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

BufferPool::BufferPool(size_t count, size_t size) : size_(size) {
  for (size_t i = 0; i < count; ++i) free_.emplace_back(size);
}

std::vector<uint8_t> BufferPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty(); });
  std::vector<uint8_t> b = std::move(free_.back());
  free_.pop_back();
  b.resize(size_);
  return b;
}

void BufferPool::Release(std::vector<uint8_t> buf) {
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(buf));
  cv_.notify_one();
}

int DefaultParallelism() {
  unsigned n = std::thread::hardware_concurrency();
  return n < 2 ? 2 : static_cast<int>(n);
}

}  // namespace cv::pipeline
