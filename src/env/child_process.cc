// src/env/child_process.cc — fork and exec with an allow-listed environment, a process group of its own,
// a deadline, and a guard process that takes the group down when cassvault dies.
//
// Why not posix_spawn: a child it starts outlives a cassvault killed with SIGKILL (no cleanup runs), and
// an sstableloader JVM streaming into a cluster, or nodetool's JVM, would go on without anyone reading
// its result. PR_SET_PDEATHSIG can only be set between fork and exec, and it only reaches the process that
// sets it, not the JVM a script starts. So the forked process is a guard: it makes the process group,
// asks for SIGTERM when its parent dies, starts the program in that group (which itself asks for SIGKILL
// when the guard dies), and on that SIGTERM kills the whole group; otherwise it exits as the program did.
#include "env/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

extern char** environ;

namespace cv::env {

namespace {

bool NameMatches(std::string_view name, std::string_view pattern) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.size() > pattern.size() && name.substr(0, pattern.size()) == pattern;
  }
  return name == pattern;
}

class Pipe {
 public:
  Pipe() = default;
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  // O_CLOEXEC keeps the ends out of children other threads spawn meanwhile; the spawned child gets
  // its copy through dup2, which clears the flag.
  bool Open() { return ::pipe2(fds_, O_CLOEXEC) == 0; }
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void CloseRead() { Close(&fds_[0]); }
  void CloseWrite() { Close(&fds_[1]); }

 private:
  static void Close(int* fd) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  int fds_[2] = {-1, -1};
};

// Where argv[0] is run from: as given when it holds a '/', else the first executable file of that name on
// our PATH, as execvp would find it. Looked up before fork, because the forked process may not allocate.
Result<std::string> FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = ::getenv("PATH");
  std::string_view dirs = path != nullptr && *path != '\0' ? path : "/bin:/usr/bin";
  while (true) {
    size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return Status::NotFound(name, "program not found");
}

// Everything the forked processes use, prepared before fork: after it, only async-signal-safe calls
// (another thread of ours may hold the allocator's lock at that moment).
struct Launch {
  pid_t parent = 0;
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int in = -1, out = -1, err = -1;  // become the program's 0, 1, 2
  int report = -1;                  // close-on-exec: an errno arrives if the program did not start
};

constexpr int kReportFd = 3;

[[noreturn]] void ReportAndExit(int err) {
  ssize_t ignored = ::write(kReportFd, &err, sizeof err);
  (void)ignored;
  ::_exit(127);
}

// Closes every descriptor above kReportFd: the guard never execs, so close-on-exec would not keep ours
// (pipes of other children, sockets, locks) out of it, and an inherited write end of another child's
// pipe would hold that child's reader open.
void CloseOthers() {
  if (::close_range(kReportFd + 1, ~0U, 0) == 0) return;
  struct rlimit rl {};
  int max =
      ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? static_cast<int>(rl.rlim_cur) : 65536;
  for (int fd = kReportFd + 1; fd < max; ++fd) ::close(fd);
}

// The program, in the guard's process group. Signals we ignore or block (SIGPIPE, for libcurl) and those
// the guard waits for are reset for it.
[[noreturn]] void Exec(const Launch& l, pid_t guard) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ReportAndExit(errno);
  if (::getppid() != guard) ::_exit(127);  // the guard is gone already
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD}) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(l.path, l.argv, l.envp);
  ReportAndExit(errno);
}

// The forked process. Async-signal-safe calls only.
[[noreturn]] void Guard(const Launch& l) {
  // Our own process group: a deadline (kill(-pid)) or the guard itself kills everything the program
  // started (nodetool is a shell script that starts a JVM).
  if (::setpgid(0, 0) != 0) ::_exit(127);  // never kill a group that is not our own below
  // Out of the way of 0..3 first (a pipe may have got a low number when our stdin was closed).
  int in = ::fcntl(l.in, F_DUPFD_CLOEXEC, 10), out = ::fcntl(l.out, F_DUPFD_CLOEXEC, 10);
  int err = ::fcntl(l.err, F_DUPFD_CLOEXEC, 10), report = ::fcntl(l.report, F_DUPFD_CLOEXEC, 10);
  if (in < 0 || out < 0 || err < 0 || report < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
      ::dup2(err, 2) < 0 || ::dup3(report, kReportFd, O_CLOEXEC) < 0) {
    ::_exit(127);  // no report channel: the parent sees EOF, then this exit code
  }
  CloseOthers();
  sigset_t wait_for;
  sigemptyset(&wait_for);
  sigaddset(&wait_for, SIGCHLD);
  sigaddset(&wait_for, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &wait_for, nullptr);  // pending until sigwaitinfo below, never lost
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGCHLD, &dfl, nullptr);  // not SIG_IGN, or the program would be reaped unseen
  // The parent here is the thread that forked us; RunChild keeps it waiting until we exit. If it died
  // before the prctl, nobody is left to ask for the signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) ReportAndExit(errno);
  if (::getppid() != l.parent) ::_exit(127);
  const pid_t self = ::getpid();
  pid_t child = ::fork();
  if (child < 0) ReportAndExit(errno);
  if (child == 0) Exec(l, self);
  // The guard keeps no copy of the program's streams: the parent reads them until the program closes them.
  for (int fd = 0; fd <= kReportFd; ++fd) ::close(fd);
  while (true) {
    int sig = ::sigwaitinfo(&wait_for, nullptr);
    if (sig == SIGTERM) ::kill(-self, SIGKILL);  // the parent died: the whole group goes, the guard with it
    int wstatus = 0;
    if (sig == SIGCHLD && ::waitpid(child, &wstatus, WNOHANG) == child) {
      // As the program ended; 128 + signal reads as a death by that signal (see ExitCode).
      ::_exit(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus));
    }
  }
}

int ExitCode(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

// Waits for the guard. Its rusage (wait4) holds the guard's own CPU time plus that of the program and
// what the program reaped: the kernel adds a reaped child's totals to its parent's at each level.
Status Reap(pid_t pid, const std::string& who, int* exit_code, double* cpu_seconds = nullptr) {
  int wstatus = 0;
  struct rusage ru {};
  while (::wait4(pid, &wstatus, 0, &ru) < 0) {
    if (errno != EINTR) return Status::FromErrno(errno, who, "waitpid");
  }
  *exit_code = ExitCode(wstatus);
  if (cpu_seconds != nullptr) {
    auto secs = [](const struct timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
    *cpu_seconds = secs(ru.ru_utime) + secs(ru.ru_stime);
  }
  return Status::OK();
}

std::string Seconds(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

std::vector<std::string> AllowedEnvironment(const char* const* envp,
                                            std::span<const std::string_view> allow) {
  std::vector<std::string> out;
  for (const char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string_view name = entry.substr(0, eq);
    bool ok = false;
    for (std::string_view p : kBaseEnvironment) ok = ok || NameMatches(name, p);
    for (std::string_view p : allow) ok = ok || NameMatches(name, p);
    if (ok) out.emplace_back(entry);
  }
  return out;
}

Result<ChildResult> RunChild(const std::vector<std::string>& argv, const ChildOptions& options) {
  if (argv.empty() || argv[0].empty()) return Status::InvalidArgument("run process", "empty command");
  const std::string& who = argv[0];
  Pipe out, err;
  if (!out.Open() || !err.Open()) return Status::FromErrno(errno, who, "pipe");
  Pipe report;
  if (!report.Open()) return Status::FromErrno(errno, who, "pipe");
  CV_ASSIGN_OR_RETURN(std::string path, FindProgram(who));
  // The child reads nothing: /dev/null rather than our stdin (a terminal, maybe), so nothing prompts.
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) return Status::FromErrno(errno, "/dev/null", "open");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings = AllowedEnvironment(environ, options.allow_env);
  for (const std::string& set : options.set_env) {
    const std::string prefix = set.substr(0, set.find('=') + 1);
    std::erase_if(env_strings, [&](const std::string& e) { return e.starts_with(prefix); });
    env_strings.push_back(set);
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const Launch launch{::getpid(), path.c_str(),   args.data(),    envp.data(),
                      devnull,    out.write_fd(), err.write_fd(), report.write_fd()};

  pid_t pid = ::fork();
  if (pid == 0) Guard(launch);
  int fork_errno = errno;
  ::close(devnull);
  if (pid < 0) return Status::FromErrno(fork_errno, who, "fork");
  ::setpgid(pid, pid);  // as the guard does: the group exists before any kill(-pid) below
  out.CloseWrite();
  err.CloseWrite();
  report.CloseWrite();
  // EOF once the program is running (the report pipe closes on exec); an errno when it did not start.
  int start_errno = 0;
  ssize_t reported = 0;
  while ((reported = ::read(report.read_fd(), &start_errno, sizeof start_errno)) < 0 && errno == EINTR) {
  }
  if (reported > 0) {
    int ignored = 0;
    (void)Reap(pid, who, &ignored);
    if (start_errno == ENOENT) return Status::NotFound(who, "program not found");
    return Status::FromErrno(start_errno, who, "start");
  }

  // Read both pipes until both close: reading one after the other would deadlock as soon as the child
  // fills the other pipe's buffer (64 KiB; a Java stack trace on stderr is enough).
  const bool has_deadline = options.timeout.count() > 0;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  ChildResult result;
  struct pollfd fds[2] = {{out.read_fd(), POLLIN, 0}, {err.read_fd(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buf[16384];
  Status failure;
  while (open_count > 0) {
    int wait_ms = -1;
    if (has_deadline) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        std::string setting = options.timeout_setting.empty() ? "" : " (" + options.timeout_setting + ")";
        failure = Status(
            StatusCode::kDeadlineExceeded, who,
            "still running after " + Seconds(options.timeout) + setting + "; killed with its process group");
        break;
      }
      wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 60'000));
    }
    int n = ::poll(fds, 2, wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      failure = Status::FromErrno(errno, who, "poll");
      break;
    }
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {  // EOF, or an error that ends this stream anyway
        fds[i].fd = -1;
        --open_count;
        continue;
      }
      sinks[i]->append(buf, static_cast<size_t>(got));
    }
  }
  if (!failure.ok()) {
    // The leader is not reaped yet, so its group id cannot have been reused.
    ::kill(-pid, SIGKILL);
    out.CloseRead();
    err.CloseRead();
    int ignored = 0;
    (void)Reap(pid, who, &ignored);
    return failure;
  }
  CV_RETURN_IF_ERROR(Reap(pid, who, &result.exit_code, &result.cpu_seconds));
  return result;
}

}  // namespace cv::env
