#include "env/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace cv::env {

std::string DisableCoreDumps() {
  const char* allow = std::getenv(kAllowCoreDumpsVar);
  if (allow != nullptr && std::string_view(allow) == "1") return "";
  std::string warning;
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    warning = std::string("PR_SET_DUMPABLE: ") + std::strerror(errno);
  struct rlimit none {};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) {
    warning += (warning.empty() ? "" : "; ") + std::string("RLIMIT_CORE: ") + std::strerror(errno);
  }
  return warning;
}

}  // namespace cv::env
