// src/cassandra/node_tool.cc — child processes without a shell, and the nodetool calls built on them.
#include "cassandra/node_tool.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace cv::cassandra {
namespace {

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

class SpawnActions {
 public:
  SpawnActions() { ok_ = ::posix_spawn_file_actions_init(&actions_) == 0; }
  ~SpawnActions() {
    if (ok_) ::posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
  bool ok_ = false;
};

// Reads both pipes until both close. Reading them one after the other would deadlock as soon as the
// child fills the other pipe's buffer (64 KiB) — a Java stack trace on stderr is enough.
Status DrainPipes(int out_fd, int err_fd, std::string* out, std::string* err) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {out, err};
  int open_count = 2;
  char buf[16384];
  while (open_count > 0) {
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "child process", "poll");
    }
    for (int i = 0; i < 2; ++i) {
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
  return Status::OK();
}

// The useful end of nodetool's output: Java stack traces (after "-- StackTrace --") are dropped, then
// the last few non-empty lines are kept.
std::string OutputTail(const std::string& text) {
  std::string_view t = text;
  size_t trace = t.find("-- StackTrace --");
  if (trace != std::string_view::npos) t = t.substr(0, trace);
  std::vector<std::string_view> lines;
  while (!t.empty()) {
    size_t nl = t.find('\n');
    std::string_view line = t.substr(0, nl);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (!line.empty()) lines.push_back(line);
    if (nl == std::string_view::npos) break;
    t.remove_prefix(nl + 1);
  }
  constexpr size_t kTailLines = 5;
  std::string tail;
  for (size_t i = lines.size() > kTailLines ? lines.size() - kTailLines : 0; i < lines.size(); ++i) {
    if (!tail.empty()) tail += " | ";
    tail += lines[i];
  }
  return tail;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Names reach nodetool as separate argv entries; one starting with '-' would be parsed as an option.
bool IsName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsWordChar(c)) return false;
  }
  return true;
}

// Snapshot tags become directory names matched by `[\w-]+` (cassandra.md §1).
bool IsTag(const std::string& s) {
  if (s.empty() || s[0] == '-') return false;
  for (char c : s) {
    if (!IsWordChar(c) && c != '-') return false;
  }
  return true;
}

Status RunChecked(NodeTool& tool, const std::string& sub, const std::vector<std::string>& args) {
  std::string subject = "nodetool " + sub;
  Result<ProcessResult> r = tool.Run(args);
  if (!r.ok()) return r.status().Annotate(subject);
  if (r->exit_code == 0) return Status::OK();
  std::string tail = OutputTail(r->err);
  if (tail.empty()) tail = OutputTail(r->out);
  std::string detail = "exit code " + std::to_string(r->exit_code) + (tail.empty() ? "" : ": " + tail);
  // A duplicate tag is the caller's mistake, not an outage: retrying cannot help.
  if (tail.find("already exists") != std::string::npos) return Status::AlreadyExists(subject, detail);
  return Status::Unavailable(subject, detail);
}

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0].empty()) return Status::InvalidArgument("run process", "empty command");
  Pipe out, err;
  if (!out.Open() || !err.Open()) return Status::FromErrno(errno, argv[0], "pipe");
  SpawnActions actions;
  if (!actions.ok()) return Status::Internal(argv[0], "posix_spawn_file_actions_init failed");
  // The child reads nothing: give it /dev/null rather than our stdin (a terminal, maybe).
  if (::posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0) != 0 ||
      ::posix_spawn_file_actions_adddup2(actions.get(), out.write_fd(), 1) != 0 ||
      ::posix_spawn_file_actions_adddup2(actions.get(), err.write_fd(), 2) != 0) {
    return Status::Internal(argv[0], "posix_spawn_file_actions setup failed");
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = 0;
  // glibc's posix_spawnp reports exec failures (ENOENT, EACCES) as its own result.
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), actions.get(), nullptr, args.data(), environ);
  if (rc != 0) {
    if (rc == ENOENT) return Status::NotFound(argv[0], "program not found");
    return Status::FromErrno(rc, argv[0], "start");
  }
  out.CloseWrite();
  err.CloseWrite();

  ProcessResult result;
  Status drained = DrainPipes(out.read_fd(), err.read_fd(), &result.out, &result.err);
  if (!drained.ok()) {
    // Nobody reads any more: closing makes a still-writing child fail (EPIPE) instead of block forever.
    out.CloseRead();
    err.CloseRead();
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status::FromErrno(errno, argv[0], "waitpid");
  }
  CV_RETURN_IF_ERROR(drained);
  if (WIFEXITED(wstatus)) {
    result.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    result.exit_code = 128 + WTERMSIG(wstatus);  // the shell's convention
  } else {
    result.exit_code = -1;
  }
  return result;
}

Result<ProcessResult> NodeTool::Run(const std::vector<std::string>& args) {
  std::vector<std::string> argv = command_;
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv);
}

Status NodeTool::Flush(const std::vector<std::string>& keyspaces) {
  std::vector<std::string> args = {"flush"};
  for (const std::string& ks : keyspaces) {
    if (!IsName(ks)) return Status::InvalidArgument("nodetool flush", "bad keyspace name '" + ks + "'");
    args.push_back(ks);
  }
  return RunChecked(*this, "flush", args);
}

Status NodeTool::Snapshot(const std::string& tag, const std::vector<std::string>& keyspaces,
                          const std::vector<std::string>& tables) {
  if (!IsTag(tag)) {
    return Status::InvalidArgument("nodetool snapshot", "bad tag '" + tag + "': use [A-Za-z0-9_-]");
  }
  // -kt takes no keyspace arguments, so a whole keyspace cannot be mixed with single tables.
  if (!keyspaces.empty() && !tables.empty()) {
    return Status::InvalidArgument("nodetool snapshot", "give keyspaces or tables, not both");
  }
  std::vector<std::string> args = {"snapshot", "-t", tag};
  if (!tables.empty()) {
    std::string list;
    for (const std::string& t : tables) {
      size_t dot = t.find('.');
      if (dot == std::string::npos || !IsName(t.substr(0, dot)) || !IsName(t.substr(dot + 1))) {
        return Status::InvalidArgument("nodetool snapshot", "bad table '" + t + "': expected keyspace.table");
      }
      if (!list.empty()) list += ',';
      list += t;
    }
    args.push_back("-kt");
    args.push_back(list);
  }
  for (const std::string& ks : keyspaces) {
    if (!IsName(ks)) return Status::InvalidArgument("nodetool snapshot", "bad keyspace name '" + ks + "'");
    args.push_back(ks);
  }
  return RunChecked(*this, "snapshot", args);
}

Status NodeTool::ClearSnapshot(const std::string& tag) {
  // An empty tag would need --all; refusing it keeps a bug from wiping every snapshot on the node.
  if (!IsTag(tag)) return Status::InvalidArgument("nodetool clearsnapshot", "bad tag '" + tag + "'");
  return RunChecked(*this, "clearsnapshot", {"clearsnapshot", "-t", tag});
}

Status NodeTool::Import(const std::string& keyspace, const std::string& table, const std::string& dir,
                        const std::vector<std::string>& flags) {
  if (!IsName(keyspace) || !IsName(table)) {
    return Status::InvalidArgument("nodetool import", "bad table '" + keyspace + "." + table + "'");
  }
  if (dir.empty() || dir[0] == '-') {
    return Status::InvalidArgument("nodetool import", "bad directory '" + dir + "'");
  }
  std::vector<std::string> args = {"import"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back(keyspace);
  args.push_back(table);
  args.push_back(dir);
  return RunChecked(*this, "import", args);
}

}  // namespace cv::cassandra
