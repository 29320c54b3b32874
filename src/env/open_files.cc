#include "env/open_files.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

namespace cv::env {
namespace {

struct DirClose {
  void operator()(DIR* d) const { ::closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirClose>;

// The canonical form (what /proc/<pid>/fd links show); the path itself when it cannot be resolved.
std::string Canonical(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr) return path;
  std::string out(real);
  std::free(real);
  return out;
}

bool Under(const std::string& path, const std::string& dir) {
  if (dir.empty() || path.size() < dir.size() || path.compare(0, dir.size(), dir) != 0) return false;
  return path.size() == dir.size() || path[dir.size()] == '/' || dir == "/";
}

std::string Comm(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

std::optional<ProcessUse> FindProcessUsing(const std::vector<std::string>& dirs,
                                           const std::vector<std::string>& named_files) {
  std::vector<std::string> canon_dirs, names;
  for (const std::string& d : dirs) {
    if (!d.empty()) canon_dirs.push_back(Canonical(d));
  }
  for (const std::string& f : named_files) {
    if (f.empty()) continue;
    names.push_back(f);
    if (std::string c = Canonical(f); c != f) names.push_back(c);
  }
  DirPtr proc(::opendir("/proc"));
  if (!proc) return std::nullopt;
  const std::string self = std::to_string(::getpid());
  std::optional<ProcessUse> by_name;
  while (dirent* e = ::readdir(proc.get())) {
    std::string pid = e->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
    std::string fd_dir = "/proc/" + pid + "/fd";
    if (DirPtr fds(::opendir(fd_dir.c_str())); fds) {
      while (dirent* f = ::readdir(fds.get())) {
        if (f->d_name[0] == '.') continue;
        char target[4096];
        ssize_t n = ::readlink((fd_dir + "/" + f->d_name).c_str(), target, sizeof target - 1);
        if (n <= 0) continue;
        std::string path(target, static_cast<size_t>(n));
        for (const std::string& d : canon_dirs) {
          if (Under(path, d)) return ProcessUse{static_cast<pid_t>(std::atoi(pid.c_str())), Comm(pid), path};
        }
      }
    }
    // Only a JVM counts here: an editor open on cassandra.yaml is no running node.
    if (by_name || names.empty() || Comm(pid) != "java") continue;
    std::ifstream cmdline("/proc/" + pid + "/cmdline", std::ios::binary);
    std::string arg;
    while (!by_name && std::getline(cmdline, arg, '\0')) {
      for (const std::string& name : names) {
        // -Dcassandra.config=file:///etc/cassandra/cassandra.yaml, or the path alone.
        if (arg.size() >= name.size() && arg.compare(arg.size() - name.size(), name.size(), name) == 0) {
          by_name = ProcessUse{static_cast<pid_t>(std::atoi(pid.c_str())), Comm(pid), arg};
          break;
        }
      }
    }
  }
  return by_name;
}

}  // namespace cv::env
