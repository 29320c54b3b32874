#include "vault/crash_point.h"

#ifdef CASSVAULT_CRASH_POINTS
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#endif

namespace cv::vault {

#ifdef CASSVAULT_CRASH_POINTS
namespace {
std::mutex test_mu;
bool test_armed = false;  // GUARDED_BY(test_mu)
std::string test_spec;    // GUARDED_BY(test_mu)
std::atomic<long> test_hits{0};
}  // namespace

void ArmCrashPointForTest(std::string_view spec) {
  std::lock_guard<std::mutex> lock(test_mu);
  test_armed = !spec.empty();
  test_spec = std::string(spec);
  test_hits = 0;
}

void CrashPoint(std::string_view name) {
  static const char* env = std::getenv("CASSVAULT_TEST_CRASH_AT");
  std::string armed_by_test;
  std::atomic<long>* counter = nullptr;
  {
    std::lock_guard<std::mutex> lock(test_mu);
    if (test_armed) {
      armed_by_test = test_spec;
      counter = &test_hits;
    }
  }
  const char* armed = counter ? armed_by_test.c_str() : env;
  if (armed == nullptr) return;
  std::string_view spec(armed);
  long nth = 1;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    nth = std::strtol(std::string(spec.substr(colon + 1)).c_str(), nullptr, 10);
    spec = spec.substr(0, colon);
  }
  if (spec != name) return;
  static std::atomic<long> hits{0};
  if (++(counter ? *counter : hits) == nth) ::kill(::getpid(), SIGKILL);
}
#else
// A build without tests: the environment variable means nothing.
void CrashPoint(std::string_view) {}
void ArmCrashPointForTest(std::string_view) {}
#endif

}  // namespace cv::vault
