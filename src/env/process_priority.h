// src/env/process_priority.h — how much of the node a cassvault process may take from Cassandra.
//
// Backups run on nodes that serve production traffic. At `background` priority every thread of the process
// runs under SCHED_IDLE at nice 19 and in the idle I/O class (what `chrt -i 0 nice -n 19 ionice -c3` gives;
// Medusa sets nice 19 and the idle class for its own backups): the scheduler then hands cassvault only what
// Cassandra leaves idle, and a Cassandra thread that wakes up preempts a SCHED_IDLE one at once, where a
// nice-19 thread could still finish its slice first: that wait is what a client sees in its p99. The I/O
// class is honoured only by schedulers that know classes (BFQ; mq-deadline ages it; `none` ignores it, common
// on virtio disks), so the CPU side is what counts everywhere. Both are per thread on Linux and inherited by
// threads and child processes created later, so Apply sets every thread that exists and everything started
// afterwards follows.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace cv::env {

enum class Priority { kNormal, kBackground };

// "background" | "normal"; InvalidArgument naming `setting` and both values otherwise.
Result<Priority> ParsePriority(const std::string& text, const std::string& setting);
const char* PriorityName(Priority p);

inline constexpr int kBackgroundNice = 19;

// Sets every thread of this process to `p`: background lowers (SCHED_IDLE, nice 19, idle I/O class); normal
// leaves the process as it was started (a nice the operator chose outside is kept). Lowering needs no
// privilege. Fails only when the kernel refuses nice 19; a refused SCHED_IDLE or I/O class is not an error
// (a container's seccomp profile, a scheduler without classes): `note` then says which, for a warning.
struct PriorityApplied {
  int threads = 0;   // threads set
  std::string note;  // empty when SCHED_IDLE and the I/O class were set on every thread
};
Result<PriorityApplied> ApplyProcessPriority(Priority p);

// One thread's priority as the kernel reports it: nice and policy from /proc/<pid>/task/<tid>/stat, the
// I/O class and level from ioprio_get(2). For tests and `doctor`.
struct ThreadPriority {
  int nice = 0;
  int policy = 0;    // field 41 of stat: 0 SCHED_OTHER, 3 SCHED_BATCH, 5 SCHED_IDLE
  int io_class = 0;  // 0 none (follows nice), 1 realtime, 2 best-effort, 3 idle
  int io_level = 0;
};
Result<ThreadPriority> ReadThreadPriority(pid_t pid, pid_t tid);
// The thread ids of a process (/proc/<pid>/task).
Result<std::vector<pid_t>> ThreadsOf(pid_t pid);

}  // namespace cv::env
