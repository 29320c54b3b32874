#include "ops/lease_holder.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <regex>

namespace cv::ops {
namespace {

std::string HostName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "?";
  return host;
}

}  // namespace

std::string LeaseHolderDescription(std::string_view what) {
  return std::string(what) + " pid " + std::to_string(::getpid()) + " on " + HostName();
}

bool HolderIsDeadHere(const std::string& description) {
  static const std::regex kShape(R"( pid ([0-9]{1,9}) on (\S+))");
  std::smatch m;
  if (!std::regex_search(description, m, kShape)) return false;
  if (m[2].str() != HostName()) return false;
  pid_t pid = static_cast<pid_t>(std::stol(m[1].str()));
  if (pid <= 1 || pid == ::getpid()) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace cv::ops
