// src/env/child_process.cc — posix_spawn with an allow-listed environment, a process group of its own
// and a deadline.
#include "env/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

class SpawnSetup {
 public:
  SpawnSetup() {
    ok_ = ::posix_spawn_file_actions_init(&actions_) == 0;
    if (ok_ && ::posix_spawnattr_init(&attr_) != 0) {
      ::posix_spawn_file_actions_destroy(&actions_);
      ok_ = false;
    }
  }
  ~SpawnSetup() {
    if (!ok_) return;
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attr_{};
  bool ok_ = false;
};

int ExitCode(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

Status Reap(pid_t pid, const std::string& who, int* exit_code) {
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status::FromErrno(errno, who, "waitpid");
  }
  *exit_code = ExitCode(wstatus);
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
  SpawnSetup s;
  if (!s.ok()) return Status::Internal(who, "posix_spawn setup failed");
  // The child reads nothing: /dev/null rather than our stdin (a terminal, maybe), so nothing prompts.
  // Its own process group lets a deadline kill whatever it started too (nodetool is a shell script
  // that starts a JVM). Signals we ignore or block (SIGPIPE, for libcurl) are reset for it.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  if (::posix_spawn_file_actions_addopen(s.actions(), 0, "/dev/null", O_RDONLY, 0) != 0 ||
      ::posix_spawn_file_actions_adddup2(s.actions(), out.write_fd(), 1) != 0 ||
      ::posix_spawn_file_actions_adddup2(s.actions(), err.write_fd(), 2) != 0 ||
      ::posix_spawnattr_setpgroup(s.attr(), 0) != 0 || ::posix_spawnattr_setsigmask(s.attr(), &none) != 0 ||
      ::posix_spawnattr_setsigdefault(s.attr(), &defaults) != 0 ||
      ::posix_spawnattr_setflags(
          s.attr(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0) {
    return Status::Internal(who, "posix_spawn setup failed");
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings = AllowedEnvironment(environ, options.allow_env);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  // glibc's posix_spawnp reports exec failures (ENOENT, EACCES) as its own result.
  int rc = ::posix_spawnp(&pid, who.c_str(), s.actions(), s.attr(), args.data(), envp.data());
  if (rc == ENOENT) return Status::NotFound(who, "program not found");
  if (rc != 0) return Status::FromErrno(rc, who, "start");
  out.CloseWrite();
  err.CloseWrite();

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
  CV_RETURN_IF_ERROR(Reap(pid, who, &result.exit_code));
  return result;
}

}  // namespace cv::env
