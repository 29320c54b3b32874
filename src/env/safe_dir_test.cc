// The attacks of the security review on a root-run restore, at the level of the OS seam: symlinks
// planted below a trusted directory, pre-created names, foreign staging roots, hard links.
#include "env/safe_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "env/resolve.h"

namespace cv::env {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class SafeDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cv-safedir-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    fs::create_directories(root_ / "victim");
    std::ofstream(root_ / "victim" / "secret") << "root only";
    fs::permissions(root_ / "victim" / "secret", fs::perms::owner_read | fs::perms::owner_write);
    auto d = SafeDir::OpenRoot((root_ / "data").string());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    data_ = std::move(d).value();
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  SafeDir data_;
};

TEST_F(SafeDirTest, SymlinkComponentIsRefusedAndNamed) {
  fs::create_directory_symlink(root_ / "victim", root_ / "data" / "ks");
  auto sub = data_.OpenSub("ks");
  ASSERT_FALSE(sub.ok());
  EXPECT_TRUE(sub.status().code() == StatusCode::kPermissionDenied) << sub.status().ToString();
  EXPECT_NE(sub.status().ToString().find((root_ / "data" / "ks").string() + ": is a symbolic link"),
            std::string::npos)
      << sub.status().ToString();
  auto made = data_.MakeSub("ks/table-1", 0750, Owner{4242, 4242});
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().ToString().find("is a symbolic link"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "victim" / "table-1"));  // nothing created through the link
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "victim").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::geteuid());  // and nothing chowned
}

TEST_F(SafeDirTest, SymlinkDeeperDownIsRefusedToo) {
  fs::create_directories(root_ / "data" / "ks");
  fs::create_directory_symlink(root_ / "victim", root_ / "data" / "ks" / "t");
  auto sub = data_.OpenSub("ks/t");
  ASSERT_FALSE(sub.ok());
  EXPECT_NE(sub.status().ToString().find((root_ / "data" / "ks" / "t").string()), std::string::npos);
  // The per-level walk (the fallback for kernels without openat2) refuses it the same way.
  auto ks = data_.OpenSub("ks");
  ASSERT_TRUE(ks.ok());
  auto one = OpenDirComponent(ks->fd(), ks->path(), "t");
  ASSERT_FALSE(one.ok());
  EXPECT_TRUE(one.status().code() == StatusCode::kPermissionDenied);
}

TEST_F(SafeDirTest, DotDotAndAbsolutePathsAreRefused) {
  EXPECT_FALSE(data_.OpenSub("../victim").ok());
  EXPECT_FALSE(data_.OpenSub("/etc").ok());
  EXPECT_FALSE(data_.MakeSub("a/../../victim", 0700, std::nullopt).ok());
}

TEST_F(SafeDirTest, MakeSubChownsOnlyTheLevelsItCreated) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  fs::create_directories(root_ / "data" / "ks");
  auto made = data_.MakeSub("ks/t/.idx", 0750, Owner{4242, 4243});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  struct stat ks {
  }, t{}, idx{};
  ASSERT_EQ(::stat((root_ / "data" / "ks").c_str(), &ks), 0);
  ASSERT_EQ(::stat((root_ / "data" / "ks" / "t").c_str(), &t), 0);
  ASSERT_EQ(::stat((root_ / "data" / "ks" / "t" / ".idx").c_str(), &idx), 0);
  EXPECT_EQ(ks.st_uid, 0u);  // existed: untouched
  EXPECT_EQ(t.st_uid, 4242u);
  EXPECT_EQ(t.st_gid, 4243u);
  EXPECT_EQ(idx.st_uid, 4242u);
  EXPECT_EQ(t.st_mode & 07777, 0750u);
}

TEST_F(SafeDirTest, CreateFileIsExclusiveAndNeverFollowsAPlantedLink) {
  std::ofstream(root_ / "data" / "taken") << "old";
  auto again = data_.CreateFile("taken", 0600);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsAlreadyExists()) << again.status().ToString();
  EXPECT_EQ(Slurp(root_ / "data" / "taken"), "old");

  fs::create_symlink(root_ / "victim" / "secret", root_ / "data" / "planted");
  auto through = data_.CreateFile("planted", 0600);
  ASSERT_FALSE(through.ok());
  EXPECT_EQ(Slurp(root_ / "victim" / "secret"), "root only");
  fs::create_symlink(root_ / "victim" / "new-file", root_ / "data" / "dangling");
  EXPECT_FALSE(data_.CreateFile("dangling", 0600).ok());
  EXPECT_FALSE(fs::exists(root_ / "victim" / "new-file"));

  auto fresh = data_.CreateFile("fresh", 0600);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  struct stat st {};
  ASSERT_EQ(::fstat(fresh->get(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SafeDirTest, ForeignOwnedStagingRootIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a directory someone else owns";
  fs::create_directory(root_ / "data" / ".staging");
  ASSERT_EQ(::chown((root_ / "data" / ".staging").c_str(), 4242, 4242), 0);
  auto d = data_.OpenPrivateSub(".staging", 0711);
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().code() == StatusCode::kPermissionDenied);
  EXPECT_NE(d.status().ToString().find((root_ / "data" / ".staging").string() +
                                       ": belongs to someone else (uid 4242"),
            std::string::npos)
      << d.status().ToString();
}

TEST_F(SafeDirTest, WritableByOthersStagingRootIsRefused) {
  fs::create_directory(root_ / "data" / ".staging");
  ASSERT_EQ(::chmod((root_ / "data" / ".staging").c_str(), 0777), 0);
  EXPECT_FALSE(data_.OpenPrivateSub(".staging", 0711).ok());
}

TEST_F(SafeDirTest, SymlinkedStagingRootIsRefused) {
  fs::create_directory_symlink(root_ / "victim", root_ / "data" / ".staging");
  auto d = data_.OpenPrivateSub(".staging", 0711);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().ToString().find("is a symbolic link"), std::string::npos);
}

TEST_F(SafeDirTest, PrivateSubAndFreshSubAreOursWithExactModes) {
  auto s = data_.OpenPrivateSub(".staging", 0711);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto a = s->MakeFreshSub("run", 0700);
  auto b = s->MakeFreshSub("run", 0700);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->path(), b->path());
  struct stat st {};
  ASSERT_EQ(::stat(a->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  ASSERT_EQ(::stat((root_ / "data" / ".staging").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
}

TEST_F(SafeDirTest, OpenFileForReadRefusesLinksAndSpecialFiles) {
  std::ofstream(root_ / "data" / "one") << "x";
  EXPECT_TRUE(data_.OpenFileForRead("one").ok());
  ASSERT_EQ(::link((root_ / "victim" / "secret").c_str(), (root_ / "data" / "hard").c_str()), 0);
  auto hard = data_.OpenFileForRead("hard");
  ASSERT_FALSE(hard.ok());
  EXPECT_NE(hard.status().ToString().find("2 hard links"), std::string::npos) << hard.status().ToString();
  fs::create_symlink(root_ / "victim" / "secret", root_ / "data" / "soft");
  auto soft = data_.OpenFileForRead("soft");
  ASSERT_FALSE(soft.ok());
  EXPECT_TRUE(soft.status().code() == StatusCode::kPermissionDenied);
  ASSERT_EQ(::mkfifo((root_ / "data" / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(data_.OpenFileForRead("fifo").ok());  // and does not hang
  EXPECT_TRUE(data_.OpenFileForRead("absent").status().IsNotFound());
}

TEST_F(SafeDirTest, RemoveTreeNeverFollowsSymlinks) {
  fs::create_directories(root_ / "data" / "tree" / "a" / "b");
  std::ofstream(root_ / "data" / "tree" / "a" / "b" / "f") << "x";
  fs::create_directory_symlink(root_ / "victim", root_ / "data" / "tree" / "a" / "to-victim");
  fs::create_symlink(root_ / "victim" / "secret", root_ / "data" / "tree" / "secret-link");
  ASSERT_TRUE(data_.RemoveTree("tree").ok());
  EXPECT_FALSE(fs::exists(root_ / "data" / "tree"));
  EXPECT_EQ(Slurp(root_ / "victim" / "secret"), "root only");
  EXPECT_TRUE(data_.RemoveTree("tree").ok());  // absent is fine
  // A symlink in place of the tree itself: the link goes, its target stays.
  fs::create_directory_symlink(root_ / "victim", root_ / "data" / "tree");
  ASSERT_TRUE(data_.RemoveTree("tree").ok());
  EXPECT_TRUE(fs::exists(root_ / "victim" / "secret"));
}

TEST_F(SafeDirTest, RenameReplacesAPlantedLinkInsteadOfWritingThroughIt) {
  fs::create_directories(root_ / "data" / "dest");
  fs::create_symlink(root_ / "victim" / "secret", root_ / "data" / "dest" / "file");
  auto dest = data_.OpenSub("dest");
  ASSERT_TRUE(dest.ok());
  {
    auto fd = data_.CreateFile("staged", 0600);
    ASSERT_TRUE(fd.ok());
    ASSERT_EQ(::write(fd->get(), "new", 3), 3);
  }
  ASSERT_TRUE(data_.RenameTo("staged", *dest, "file").ok());
  EXPECT_FALSE(fs::is_symlink(root_ / "data" / "dest" / "file"));
  EXPECT_EQ(Slurp(root_ / "data" / "dest" / "file"), "new");
  EXPECT_EQ(Slurp(root_ / "victim" / "secret"), "root only");
}

TEST(ResolveTest, SplitRelative) {
  EXPECT_EQ(SplitRelative("a/b/c").value(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitRelative("").value().empty());
  EXPECT_FALSE(SplitRelative("a//b").ok());
  EXPECT_FALSE(SplitRelative("a/./b").ok());
  EXPECT_FALSE(SplitRelative("..").ok());
}

}  // namespace
}  // namespace cv::env
