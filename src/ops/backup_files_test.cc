// A component swapped between the scan and the read (the security review's L5): the Cassandra
// account owns the table dirs and replaces a listed file with a symlink to a root-only file, or with
// another file. The backup refuses it, naming the file, and stores nothing of what it points to.
#include "ops/backup_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "backends/local/local_store.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

constexpr char kSecret[] = "ROOT-ONLY SECRET, must never reach the vault\n";

class BackupSwapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cv-bswap-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    table_ = root_ / "data" / "ks" / "t-0123456789abcdef0123456789abcdef";
    fs::create_directories(table_);
    std::ofstream(table_ / "nb-1-big-TOC.txt") << "TOC.txt\nData.db\n";
    std::ofstream(table_ / "nb-1-big-Filter.db") << "filter bytes";
    std::ofstream(root_ / "secret") << kSecret;
    fs::permissions(root_ / "secret", fs::perms::owner_read | fs::perms::owner_write);
    auto v = vault::Vault::Init(std::move(backends::OpenLocalStore((root_ / "vault").string(), true)).value(),
                                crypto::PassphraseSecret("p"), {.log2_n = 10, .r = 8, .p = 1});
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_ = std::move(v).value();
    ASSERT_TRUE(vault_->LoadIndex().ok());
    auto filter = TableFilter::Make({}, {});
    auto scanned = cassandra::ScanLiveTables({(root_ / "data").string()}, *filter);
    ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
    ASSERT_EQ(scanned->size(), 1u);
    ASSERT_EQ((*scanned)[0].files.size(), 2u);
    tables_ = std::move(scanned).value();
  }
  void TearDown() override { fs::remove_all(root_); }

  Status Store(vault::BackupSession& session) {
    Progress progress("backup", 0, 0, false);
    return StoreTableFiles(tables_, *vault_, session, nullptr, progress, {}).status();
  }
  bool SecretStored(const vault::BackupSession& session) {
    auto codec = vault_->NewCodec();
    std::string s = kSecret;
    return session.HasAll({codec->BlobId(std::vector<uint8_t>(s.begin(), s.end()))});
  }

  fs::path root_, table_;
  std::unique_ptr<vault::Vault> vault_;
  std::vector<cassandra::TableFiles> tables_;
};

TEST_F(BackupSwapTest, ComponentSwappedForASymlinkIsRefused) {
  fs::remove(table_ / "nb-1-big-TOC.txt");
  fs::create_symlink(root_ / "secret", table_ / "nb-1-big-TOC.txt");
  vault::BackupSession session(*vault_);
  Status st = Store(session);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(
      st.ToString().find((table_ / "nb-1-big-TOC.txt").string() + ": became a symbolic link after the scan"),
      std::string::npos)
      << st.ToString();
  EXPECT_FALSE(SecretStored(session));
}

TEST_F(BackupSwapTest, ComponentReplacedByAnotherFileIsRefused) {
  fs::copy_file(root_ / "secret", table_ / "other");
  fs::rename(table_ / "other", table_ / "nb-1-big-TOC.txt");
  vault::BackupSession session(*vault_);
  Status st = Store(session);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.ToString().find("is not the file the scan listed"), std::string::npos) << st.ToString();
  EXPECT_FALSE(SecretStored(session));
}

TEST_F(BackupSwapTest, UnchangedFilesAreStored) {
  vault::BackupSession session(*vault_);
  EXPECT_TRUE(Store(session).ok());
  auto codec = vault_->NewCodec();
  std::string toc = "TOC.txt\nData.db\n";
  EXPECT_TRUE(session.HasAll({codec->BlobId(std::vector<uint8_t>(toc.begin(), toc.end()))}));
}

}  // namespace
}  // namespace cv::ops
