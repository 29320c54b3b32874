// Restore never writes outside its target, whatever names a manifest holds.
#include "ops/restore.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "backends/local/local_store.h"
#include "core/vault_layout.h"
#include "vault/backup_session.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

class HostileManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cv-hostile-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "out");
    auto v = vault::Vault::Init(std::move(backends::OpenLocalStore((root_ / "vault").string(), true)).value(),
                                crypto::PassphraseSecret("p"), {.log2_n = 10, .r = 8, .p = 1});
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_ = std::move(v).value();
  }
  void TearDown() override { fs::remove_all(root_); }

  // Commits a backup whose single file has the given names.
  void Commit(const std::string& ks, const std::string& table, const std::string& path) {
    ASSERT_TRUE(vault_->LoadIndex().ok());
    vault::BackupSession s(*vault_);
    auto codec = vault_->NewCodec();
    std::vector<uint8_t> data = {'p', 'w', 'n', 'd'};
    bool stored;
    auto id = s.StorePart(*codec, data, false, &stored);
    ASSERT_TRUE(id.ok());
    Manifest m;
    m.backup_id = layout::MakeBackupId(1764079200 + static_cast<int64_t>(++n_), "deadbeef");
    m.tag = "evil";
    m.tables.push_back(TableEntry{ks, table, "", "", {FileEntry{path, 0, 4, 0644, 0, {*id}}}});
    BackupRecord r;
    r.backup_id = m.backup_id;
    r.tag = "evil";
    ASSERT_TRUE(s.Commit(m, r).ok());
    last_ = m.backup_id;
  }

  Status Restore() {
    Config c;
    RestoreOptions o;
    o.backup = last_;
    o.includes = {};
    o.target_dir = (root_ / "out").string();
    return RunRestore(c, *vault_, o).status();
  }

  std::vector<std::string> Written() {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(root_)) {
      if (e.is_regular_file() && e.path().string().find("/vault/") == std::string::npos)
        out.push_back(e.path());
    }
    return out;
  }

  fs::path root_;
  std::unique_ptr<vault::Vault> vault_;
  std::string last_;
  int n_ = 0;
};

TEST_F(HostileManifestTest, DotDotInFilePath) {
  Commit("ks", "t", "../../../escape.db");
  Status st = Restore();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("refusing to write outside"), std::string::npos);
  EXPECT_TRUE(Written().empty());
}

TEST_F(HostileManifestTest, AbsolutePathAndBadKeyspace) {
  Commit("ks", "t", "/tmp/escape.db");
  EXPECT_EQ(Restore().code(), StatusCode::kInvalidArgument);
  Commit("ks/../..", "t", "nb-1-big-Data.db");
  Status st = Restore();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_TRUE(Written().empty());
}

TEST_F(HostileManifestTest, HonestNamesAreRestored) {
  Commit("ks", "t", "nb-1-big-TOC.txt");
  ASSERT_TRUE(Restore().ok());
  auto w = Written();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], (root_ / "out" / "ks" / "t" / "nb-1-big-TOC.txt").string());
}

}  // namespace
}  // namespace cv::ops
