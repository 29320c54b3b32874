// The cache directory's helpers (env/private_file.h): a private directory, and files replaced atomically.
#include "env/private_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cv::env {
namespace {

namespace fs = std::filesystem;

class PrivateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cv-private-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  static unsigned Mode(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  static std::string Read(const std::string& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  std::string dir_;
};

TEST_F(PrivateFileTest, EnsurePrivateDirCreatesAndTightensOurOwn) {
  std::string cache = dir_ + "/a/b/cache";
  ASSERT_TRUE(EnsurePrivateDir(cache).ok());
  EXPECT_EQ(Mode(cache), 0700u);
  ASSERT_EQ(::chmod(cache.c_str(), 0755), 0);
  ASSERT_TRUE(EnsurePrivateDir(cache).ok());
  EXPECT_EQ(Mode(cache), 0700u);
  // A file where the directory should be: the error names the path.
  std::ofstream(dir_ + "/file") << "x";
  Status st = EnsurePrivateDir(dir_ + "/file/sub");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find(dir_ + "/file/sub"), std::string::npos) << st.ToString();
}

TEST_F(PrivateFileTest, WriteReplacesWholeAndPrivate) {
  std::string path = dir_ + "/state.json";
  ASSERT_TRUE(WritePrivateFileAtomically(path, "one\n", "daemon state").ok());
  EXPECT_EQ(Read(path), "one\n");
  EXPECT_EQ(Mode(path), 0600u);
  // A temporary a killed writer left behind is replaced, not appended to.
  std::ofstream(path + ".tmp") << "half a file";
  ASSERT_TRUE(WritePrivateFileAtomically(path, "two\n", "daemon state").ok());
  EXPECT_EQ(Read(path), "two\n");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST_F(PrivateFileTest, APlantedSymlinkAsTheTemporaryIsReplacedNeverFollowed) {
  std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "precious";
  std::string path = dir_ + "/hint";
  fs::create_symlink(victim, path + ".tmp");
  ASSERT_TRUE(WritePrivateFileAtomically(path, "node\n", "takeover hint").ok());
  EXPECT_EQ(Read(victim), "precious");
  EXPECT_EQ(Read(path), "node\n");
}

TEST_F(PrivateFileTest, WriteIntoAMissingDirectoryNamesTheFile) {
  Status st = WritePrivateFileAtomically(dir_ + "/missing/x", "y", "takeover hint");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("takeover hint " + dir_ + "/missing/x.tmp"), std::string::npos)
      << st.ToString();
}

}  // namespace
}  // namespace cv::env
