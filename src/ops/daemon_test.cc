#include "ops/daemon.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cv::ops {
namespace {

std::string TempDir() {
  auto p = std::filesystem::temp_directory_path() / ("cv-daemon-state-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

TEST(DaemonStateTest, SavedSlotsComeBackAndTheFileIsPrivate) {
  std::string dir = TempDir();
  std::string path = dir + "/v.daemon.json";
  std::string problem;
  DaemonState s = DaemonState::Load(path, &problem);
  EXPECT_EQ(problem, "");  // no file yet: a fresh start, not a problem
  EXPECT_EQ(s.Last("nightly"), std::nullopt);
  s.SetLast("nightly", 1796551200);
  s.SetLast("hourly", 1796554800);
  ASSERT_TRUE(s.Save().ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  DaemonState back = DaemonState::Load(path, &problem);
  EXPECT_EQ(problem, "");
  EXPECT_EQ(back.Last("nightly"), 1796551200);
  EXPECT_EQ(back.Last("hourly"), 1796554800);
  EXPECT_EQ(back.Last("other"), std::nullopt);
  std::filesystem::remove_all(dir);
}

TEST(DaemonStateTest, AJunkFileIsAFreshStartNamedAsAProblem) {
  std::string dir = TempDir();
  std::string path = dir + "/v.daemon.json";
  for (const char* junk : {"not json", "[]", "{\"last_slot\": 5}"}) {
    std::ofstream(path) << junk;
    std::string problem;
    DaemonState s = DaemonState::Load(path, &problem);
    EXPECT_NE(problem.find("not a daemon state file; starting afresh"), std::string::npos) << junk;
    EXPECT_EQ(s.Last("nightly"), std::nullopt);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cv::ops
