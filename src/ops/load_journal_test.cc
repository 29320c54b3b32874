#include "ops/load_journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/stable_name.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

class LoadJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cv-journal-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    dir_ = std::move(env::SafeDir::OpenRoot(root_.string())).value();
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string Read(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  fs::path root_;
  env::SafeDir dir_;
};

TEST_F(LoadJournalTest, FinishedTablesSurviveAReopenAndOnlyForTheSameLoad) {
  auto j = LoadJournal::Open(dir_, "backups=a,b target=h:9042");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_FALSE(j->Done("ks.t -> ks.t"));
  ASSERT_TRUE(j->MarkDone("ks.t -> ks.t").ok());
  EXPECT_EQ(fs::status(j->path()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto again = LoadJournal::Open(dir_, "backups=a,b target=h:9042");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->Done("ks.t -> ks.t"));
  EXPECT_FALSE(again->Done("ks.u -> ks.u"));
  EXPECT_EQ(again->size(), 1u);
  // Another target: another journal, nothing done.
  auto other = LoadJournal::Open(dir_, "backups=a,b target=other:9042");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->path(), j->path());
  EXPECT_EQ(other->size(), 0u);
}

TEST_F(LoadJournalTest, ATornLastLineIsNotDoneAndForeignContentIsRefused) {
  auto j = LoadJournal::Open(dir_, "id1");
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->MarkDone("ks.t -> ks.t").ok());
  {
    std::ofstream out(j->path(), std::ios::app);
    out << "loaded ks.u -> ks.u";  // a crash before the newline: never synced as finished
  }
  auto torn = LoadJournal::Open(dir_, "id1");
  ASSERT_TRUE(torn.ok()) << torn.status().ToString();
  EXPECT_TRUE(torn->Done("ks.t -> ks.t"));
  EXPECT_FALSE(torn->Done("ks.u -> ks.u"));
  ASSERT_TRUE(torn->MarkDone("ks.v -> ks.v").ok());
  auto after = LoadJournal::Open(dir_, "id1");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->Done("ks.v -> ks.v"));

  {
    std::ofstream out(j->path(), std::ios::app);
    out << "garbage line\n";
  }
  std::string before = Read(j->path());
  auto bad = LoadJournal::Open(dir_, "id1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(bad.status().ToString().find("remove it"), std::string::npos) << bad.status().ToString();
  EXPECT_EQ(Read(j->path()), before);  // the refused journal is left as it was
}

TEST_F(LoadJournalTest, ASymlinkedJournalIsNotFollowed) {
  std::string name = "load-" + StableName("id2") + ".journal";
  fs::create_symlink("/etc/passwd", root_ / name);
  auto j = LoadJournal::Open(dir_, "id2");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kPermissionDenied) << j.status().ToString();
}

}  // namespace
}  // namespace cv::ops
