#include "vault/crash_point.h"

#ifdef CASSVAULT_CRASH_POINTS
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#endif

namespace cv::vault {

#ifdef CASSVAULT_CRASH_POINTS
void CrashPoint(std::string_view name) {
  static const char* armed = std::getenv("CASSVAULT_TEST_CRASH_AT");
  if (armed == nullptr) return;
  std::string_view spec(armed);
  long nth = 1;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    nth = std::strtol(std::string(spec.substr(colon + 1)).c_str(), nullptr, 10);
    spec = spec.substr(0, colon);
  }
  if (spec != name) return;
  static std::atomic<long> hits{0};
  if (++hits == nth) ::kill(::getpid(), SIGKILL);
}
#else
// A build without tests: the environment variable means nothing.
void CrashPoint(std::string_view) {}
#endif

}  // namespace cv::vault
