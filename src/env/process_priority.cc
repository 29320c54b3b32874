// src/env/process_priority.cc — nice and I/O class for every thread, and reading them back from the kernel.
#include "env/process_priority.h"

#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cv::env {
namespace {

// ioprio(2): glibc has no wrapper. Class in the top bits, level (0 highest .. 7 lowest) below.
constexpr int kIoprioWhoProcess = 1;  // a thread id here: I/O priority is per thread
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioClassIdle = 3;

int IoprioSet(pid_t tid, int cls, int level) {
  return static_cast<int>(
      ::syscall(SYS_ioprio_set, kIoprioWhoProcess, tid, (cls << kIoprioClassShift) | level));
}

}  // namespace

Result<Priority> ParsePriority(const std::string& text, const std::string& setting) {
  if (text == "background") return Priority::kBackground;
  if (text == "normal") return Priority::kNormal;
  return Status::InvalidArgument(
      setting, "'" + text + "' is not a priority: use background (Cassandra first) or normal");
}

const char* PriorityName(Priority p) { return p == Priority::kBackground ? "background" : "normal"; }

Result<std::vector<pid_t>> ThreadsOf(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::IOError(dir, std::strerror(errno));
  std::vector<pid_t> tids;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    tids.push_back(static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10)));
  }
  ::closedir(d);
  return tids;
}

Result<PriorityApplied> ApplyProcessPriority(Priority p) {
  PriorityApplied out;
  if (p == Priority::kNormal) return out;
  CV_ASSIGN_OR_RETURN(std::vector<pid_t> tids, ThreadsOf(::getpid()));
  for (pid_t tid : tids) {
    // PRIO_PROCESS with a thread id sets that one thread (Linux keeps nice per thread).
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kBackgroundNice) != 0) {
      if (errno == ESRCH) continue;  // the thread ended meanwhile
      return Status::IOError("priority", std::string("setpriority(nice 19): ") + std::strerror(errno));
    }
    sched_param none{};
    if (::sched_setscheduler(tid, SCHED_IDLE, &none) != 0 && errno != ESRCH && out.note.empty()) {
      out.note = std::string("SCHED_IDLE was refused (") + std::strerror(errno) + "); nice 19 stays";
    }
    if (IoprioSet(tid, kIoprioClassIdle, 0) != 0 && errno != ESRCH && out.note.empty()) {
      out.note = std::string("the idle I/O class was refused (") + std::strerror(errno) +
                 "); reads keep the default I/O priority";
    }
    ++out.threads;
  }
  return out;
}

Result<ThreadPriority> ReadThreadPriority(pid_t pid, pid_t tid) {
  std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/stat";
  std::ifstream in(path);
  std::string stat;
  if (!in || !std::getline(in, stat)) return Status::IOError(path, "cannot read");
  // Field 2 (comm) may hold spaces and parentheses: count fields after its last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return Status::Corruption(path, "no ')' after the command name");
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  ThreadPriority out;
  for (int field = 3; fields >> f; ++field) {
    if (field == 19) out.nice = static_cast<int>(std::strtol(f.c_str(), nullptr, 10));
    if (field == 41) {
      out.policy = static_cast<int>(std::strtol(f.c_str(), nullptr, 10));
      break;
    }
  }
  long io = ::syscall(SYS_ioprio_get, kIoprioWhoProcess, tid);
  if (io < 0) return Status::IOError(path, std::string("ioprio_get: ") + std::strerror(errno));
  out.io_class = static_cast<int>(io >> kIoprioClassShift);
  out.io_level = static_cast<int>(io & ((1 << kIoprioClassShift) - 1));
  return out;
}

}  // namespace cv::env
