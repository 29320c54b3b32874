// Key memory is left out of core dumps: the kernel says so in /proc/self/smaps ("dd" in VmFlags).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "crypto/crypto.h"

namespace cv::crypto {
namespace {

// The VmFlags line of the mapping that holds `addr`, or "" when none does.
std::string VmFlagsOf(const void* addr) {
  const auto a = reinterpret_cast<uintptr_t>(addr);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = lo <= a && a < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

bool HasFlag(const std::string& vmflags, const std::string& flag) {
  return (vmflags + " ").find(" " + flag + " ") != std::string::npos;
}

TEST(SecretBytesMemoryTest, KeyPagesAreMarkedDontDump) {
  SecretBytes key(AsBytes("0123456789abcdef0123456789abcdef"));
  SecretBytes derived(64);
  for (const SecretBytes* s : {&key, &derived}) {
    std::string flags = VmFlagsOf(s->data());
    ASSERT_FALSE(flags.empty()) << "no mapping found";
    EXPECT_TRUE(HasFlag(flags, "dd")) << flags;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(s->data()) % static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE)), 0u);
  }
  // Ordinary heap memory is not marked: the check above would catch a secret in the wrong place.
  std::string heap(1 << 20, 'x');
  EXPECT_FALSE(HasFlag(VmFlagsOf(heap.data()), "dd")) << VmFlagsOf(heap.data());
  // A move hands over the pages (no unmarked copy).
  const uint8_t* before = key.data();
  SecretBytes moved(std::move(key));
  EXPECT_EQ(moved.data(), before);
  EXPECT_EQ(moved.size(), 32u);
}

}  // namespace
}  // namespace cv::crypto
