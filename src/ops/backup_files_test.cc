// A component swapped between the scan and the read (the security review's L5): the Cassandra
// account owns the table dirs and replaces a listed file with a symlink to a root-only file, or with
// another file. The backup refuses it, naming the file, and stores nothing of what it points to.
#include "ops/backup_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "backends/local/local_store.h"
#include "pipeline/cpu_stages.h"

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

// Where the CPU went, on a real SSTable (Cassandra's own legacy test data) and a 12 MiB component of
// several parts: every stage that ran was charged, and the stages never add up to more than the process.
TEST(BackupCpuStagesTest, StagesThatRanAreChargedAndSumToAtMostTheProcess) {
  fs::path root = fs::temp_directory_path() / ("cv-bcpu-" + std::to_string(::getpid()));
  fs::remove_all(root);
  // Removed last, after the session's pack uploads (finished by its destructor) are done.
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{root};
  fs::path table = root / "data" / "ks" / "t-0123456789abcdef0123456789abcdef";
  fs::create_directories(table);
  fs::path fixture =
      fs::path(CASSVAULT_SOURCE_DIR) / "../shared/fixtures/legacy-sstables/nb/legacy_tables/legacy_nb_clust";
  for (const auto& e : fs::directory_iterator(fixture)) {
    fs::copy_file(e.path(), table / e.path().filename());
    fs::permissions(table / e.path().filename(), fs::perms::owner_read | fs::perms::owner_write);
  }
  {
    std::ofstream big(table / "nb-1-big-Index.db", std::ios::binary | std::ios::trunc);
    uint64_t x = 88172645463325252ull;  // xorshift: incompressible, so compression has work and gives up
    for (size_t i = 0; i < (12u << 20) / 8; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      big.write(reinterpret_cast<const char*>(&x), 8);
    }
  }
  auto v = vault::Vault::Init(std::move(backends::OpenLocalStore((root / "vault").string(), true)).value(),
                              crypto::PassphraseSecret("p"), {.log2_n = 10, .r = 8, .p = 1});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_TRUE((*v)->LoadIndex().ok());
  auto filter = TableFilter::Make({}, {});
  auto scanned = cassandra::ScanLiveTables({(root / "data").string()}, *filter);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();

  pipeline::CpuStages cpu(BackupStageNames());
  vault::BackupSession session(**v);
  Progress progress("backup", 0, 0, false);
  StoreFilesOptions so;
  so.cpu = &cpu;
  auto stored = StoreTableFiles(*scanned, **v, session, nullptr, progress, so);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_GE(stored->bytes_read, 12u << 20);

  // StorePart's time: all of it under "store", or split with the stages the vault names inside it.
  uint64_t storing = 0;
  for (size_t s : {kStageStore, kStageBlobId, kStageCompress, kStageSeal, kStagePackWrite})
    storing += cpu.StageNs(s);
  EXPECT_GT(cpu.StageNs(kStageRead), 0u);
  EXPECT_GT(cpu.StageNs(kStageChecksum), 0u);  // the fixture's Data.db against its CRCs
  EXPECT_GT(storing, 0u);
  EXPECT_EQ(cpu.StageScopes(kStageRead), cpu.StageScopes(kStageStore) + stored->files_read);  // open + parts
  EXPECT_EQ(cpu.StageScopes(kStageScan), 0u);  // RunBackup's, not StoreTableFiles'
  // Naming and sealing 12 MiB takes more CPU than checking the CRCs of a 9 KB Data.db; the sum of the
  // stages is the process's time at most (the stages are disjoint thread times).
  EXPECT_GT(storing, cpu.StageNs(kStageChecksum));
  uint64_t sum = 0;
  for (size_t s = 0; s < BackupStageNames().size(); ++s) sum += cpu.StageNs(s);
  EXPECT_LE(sum, cpu.ProcessNs());
  auto lines = cpu.Report();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().name, "other");
  double total = 0;
  for (const auto& l : lines) total += l.seconds;
  EXPECT_NEAR(total, static_cast<double>(cpu.ProcessNs()) / 1e9, 0.05);
}

}  // namespace
}  // namespace cv::ops
