#include "cassandra/jvm_class_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "cassandra/test_util.h"

namespace cv::cassandra {
namespace {

namespace fs = std::filesystem;

// What HotSpot writes first in a dynamic archive; the rest does not matter to the cache.
std::string ArchiveBytes() { return std::string("\xa8\xab\x0b\xf0", 4) + "classes"; }

// The value after "JAVA_TOOL_OPTIONS=".
std::string Options(const std::string& entry) {
  const std::string prefix = "JAVA_TOOL_OPTIONS=";
  EXPECT_EQ(entry.rfind(prefix, 0), 0u) << entry;
  return entry.substr(prefix.size());
}

// The path after `option` in the options (up to the next space).
std::string PathAfter(const std::string& options, const std::string& option) {
  size_t at = options.find(option);
  if (at == std::string::npos) return "";
  at += option.size();
  return options.substr(at, options.find(' ', at) - at);
}

env::ChildResult Exited(int code, std::string out = "") {
  env::ChildResult r;
  r.exit_code = code;
  r.out = std::move(out);
  return r;
}

class JvmClassCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv("JAVA_TOOL_OPTIONS"); }
  // Plays the JVM of a run that writes its archive at exit: the file the options name.
  static std::string WriteAsTheJvmWould(const std::string& options) {
    std::string path = PathAfter(options, "-XX:ArchiveClassesAtExit=");
    EXPECT_FALSE(path.empty()) << options;
    testing::WriteFile(path, ArchiveBytes());
    ::chmod(path.c_str(), 0444);
    return path;
  }

  testing::TempDir tmp_;
  std::string dir_ = tmp_.path() + "/jvm-classes";
};

TEST_F(JvmClassCacheTest, TheFirstRunWritesTheArchiveAndLaterRunsMapIt) {
  JvmClassCache cache(dir_, {"/opt/cassandra/bin/nodetool", "-p", "7199"});
  std::string first = Options(cache.Environment());
  EXPECT_EQ(first.rfind("-XX:+IgnoreUnrecognizedVMOptions ", 0), 0u) << first;
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const std::string written = WriteAsTheJvmWould(first);
  EXPECT_NE(written, cache.archive_path()) << "written under a name of its own, then moved";
  auto ok = Exited(0);
  cache.AfterRun(&ok);
  EXPECT_FALSE(fs::exists(written));
  EXPECT_EQ(testing::ReadText(cache.archive_path()), ArchiveBytes());

  std::string second = Options(cache.Environment());
  EXPECT_EQ(PathAfter(second, "-XX:SharedArchiveFile="), cache.archive_path()) << second;
  EXPECT_NE(second.find("-XX:+VerifySharedSpaces"), std::string::npos) << second;
  EXPECT_EQ(second.find("ArchiveClassesAtExit"), std::string::npos) << second;
  cache.AfterRun(&ok);
  EXPECT_TRUE(fs::exists(cache.archive_path()));

  // Another nodetool command has an archive of its own: its jars may differ.
  JvmClassCache other(dir_, {"/opt/cassandra/bin/nodetool", "-p", "7299"});
  EXPECT_NE(other.archive_path(), cache.archive_path());
}

TEST_F(JvmClassCacheTest, AFailedRunLeavesNoArchive) {
  JvmClassCache cache(dir_, {"nodetool"});
  const std::string written = WriteAsTheJvmWould(Options(cache.Environment()));
  auto failed = Exited(1);
  cache.AfterRun(&failed);
  EXPECT_FALSE(fs::exists(written));
  EXPECT_FALSE(fs::exists(cache.archive_path()));
  // Killed at its deadline: no result at all.
  const std::string again = WriteAsTheJvmWould(Options(cache.Environment()));
  cache.AfterRun(nullptr);
  EXPECT_FALSE(fs::exists(again));
  EXPECT_FALSE(fs::exists(cache.archive_path()));
}

TEST_F(JvmClassCacheTest, AnArchiveTheJvmRefusesOrThatFailedARunIsWrittenAgain) {
  JvmClassCache cache(dir_, {"nodetool"});
  auto ok = Exited(0);
  WriteAsTheJvmWould(Options(cache.Environment()));
  cache.AfterRun(&ok);
  ASSERT_TRUE(fs::exists(cache.archive_path()));
  // After an upgrade of Cassandra or the JDK the JVM runs without it and says so (on stdout).
  ASSERT_NE(cache.Environment().find("SharedArchiveFile"), std::string::npos);
  auto refused = Exited(
      0, "[0.017s][warning][cds,dynamic] Unable to use shared archive. The top archive failed to load\n");
  cache.AfterRun(&refused);
  EXPECT_FALSE(fs::exists(cache.archive_path()));
  EXPECT_NE(cache.Environment().find("ArchiveClassesAtExit"), std::string::npos);
  cache.AfterRun(nullptr);

  WriteAsTheJvmWould(Options(cache.Environment()));
  cache.AfterRun(&ok);
  ASSERT_NE(cache.Environment().find("SharedArchiveFile"), std::string::npos);
  auto failed = Exited(2);
  cache.AfterRun(&failed);
  EXPECT_FALSE(fs::exists(cache.archive_path()));
}

TEST_F(JvmClassCacheTest, OnlyAnArchiveOfOursThatLooksLikeOneIsMapped) {
  JvmClassCache cache(dir_, {"nodetool"});
  auto ok = Exited(0);
  WriteAsTheJvmWould(Options(cache.Environment()));
  cache.AfterRun(&ok);
  // Writable by the group: someone else could have put classes in it.
  ::chmod(cache.archive_path().c_str(), 0664);
  EXPECT_NE(cache.Environment().find("ArchiveClassesAtExit"), std::string::npos);
  EXPECT_FALSE(fs::exists(cache.archive_path())) << "removed, to be written again";
  cache.AfterRun(nullptr);
  // Not an archive at all (the JVM would ignore it silently, for ever).
  testing::WriteFile(cache.archive_path(), "not an archive");
  ::chmod(cache.archive_path().c_str(), 0600);
  EXPECT_NE(cache.Environment().find("ArchiveClassesAtExit"), std::string::npos);
  cache.AfterRun(nullptr);
  // A symlink, even to a good archive.
  const std::string elsewhere = tmp_.path() + "/elsewhere.jsa";
  testing::WriteFile(elsewhere, ArchiveBytes());
  ASSERT_EQ(::symlink(elsewhere.c_str(), cache.archive_path().c_str()), 0);
  EXPECT_NE(cache.Environment().find("ArchiveClassesAtExit"), std::string::npos);
  cache.AfterRun(nullptr);
  EXPECT_TRUE(fs::exists(elsewhere)) << "the link is removed, never what it points to";
}

TEST_F(JvmClassCacheTest, OffWhenAnotherAccountOwnsTheCacheDir) {
  // Whoever owns the cache dir could swap the archive directory in it after the checks.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another account";
  const std::string theirs = tmp_.path() + "/theirs";
  ASSERT_EQ(::mkdir(theirs.c_str(), 0700), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 4242, 4242), 0);
  JvmClassCache cache(theirs + "/jvm-classes", {"nodetool"});
  EXPECT_EQ(cache.Environment(), "");
  struct stat st {};
  ASSERT_EQ(::stat(theirs.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4242u) << "never taken over";
}

TEST_F(JvmClassCacheTest, KeepsTheCallersOwnOptionsFirst) {
  ::setenv("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=/etc/jmx.ts", 1);
  JvmClassCache cache(dir_, {"nodetool"});
  std::string options = Options(cache.Environment());
  ::unsetenv("JAVA_TOOL_OPTIONS");
  EXPECT_EQ(options.rfind("-Djavax.net.ssl.trustStore=/etc/jmx.ts -XX:+IgnoreUnrecognizedVMOptions ", 0), 0u)
      << options;
}

TEST_F(JvmClassCacheTest, OffWithoutADirectoryOrWithOneThatCannotBePassed) {
  JvmClassCache off("", {"nodetool"});
  EXPECT_EQ(off.Environment(), "");
  // JAVA_TOOL_OPTIONS is split at white space.
  JvmClassCache spaced(tmp_.path() + "/with space", {"nodetool"});
  EXPECT_EQ(spaced.Environment(), "");
  EXPECT_FALSE(fs::exists(tmp_.path() + "/with space"));
}

}  // namespace
}  // namespace cv::cassandra
