// verify against a store that lies about sizes: the review's M2 (a pack shorter than listed made deep
// verify read out of bounds and crash). The hostile store is a stand-in for a hostile S3 server: it lists
// the real size and answers a pack read with a short body and no error.
#include "ops/verify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "backends/local/local_store.h"
#include "core/vault_layout.h"
#include "vault/testing.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

class ShortPacks final : public storage::ObjectStore {
 public:
  ShortPacks(std::unique_ptr<storage::ObjectStore> inner, size_t keep)
      : inner_(std::move(inner)), keep_(keep) {}
  std::string Describe() const override { return inner_->Describe(); }
  storage::StoreProperties Properties() const override { return inner_->Properties(); }
  Status Put(std::string_view k, std::span<const uint8_t> d) override { return inner_->Put(k, d); }
  Status Get(std::string_view k, uint64_t o, uint64_t l, std::vector<uint8_t>* out) override {
    CV_RETURN_IF_ERROR(inner_->Get(k, o, l, out));
    if (k.rfind("packs/", 0) == 0 && o == 0 && out->size() > keep_) out->resize(keep_);
    return Status::OK();
  }
  Result<storage::ObjectInfo> Stat(std::string_view k) override { return inner_->Stat(k); }
  Status List(std::string_view p, const std::function<void(const storage::ObjectInfo&)>& fn) override {
    return inner_->List(p, fn);
  }
  Status Delete(std::string_view k) override { return inner_->Delete(k); }

 private:
  std::unique_ptr<storage::ObjectStore> inner_;
  size_t keep_;
};

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = vault::Vault::Init(std::move(backends::OpenLocalStore(root_.string(), true)).value(),
                                crypto::PassphraseSecret("p"), vault::testutil::FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    std::vector<std::vector<uint8_t>> parts;
    for (uint8_t i = 0; i < 3; ++i) parts.emplace_back(20000, i);
    auto c = vault::testutil::CommitTestBackup(
        **v, parts, {.backup_id = layout::MakeBackupId(1764079200, "0000000b"), .try_compress = false});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
  }
  std::unique_ptr<vault::Vault> Open(size_t keep) {
    auto store = std::make_unique<ShortPacks>(
        std::move(backends::OpenLocalStore(root_.string(), false)).value(), keep);
    auto v = vault::Vault::Open(std::move(store), crypto::PassphraseSecret("p"));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }
  vault::testutil::ScratchDir scratch_{"cv-verify",
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  const fs::path& root_ = scratch_.path();
};

TEST_F(VerifyTest, DeepVerifyOfAPackShorterThanListedFailsCleanly) {
  for (size_t keep : {size_t{0}, size_t{100}, size_t{30000}}) {
    auto v = Open(keep);
    auto r = RunVerify(*v, "", true);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->problems.size(), 1u) << keep;
    EXPECT_NE(r->problems[0].problem.find("listed"), std::string::npos) << r->problems[0].problem;
    EXPECT_EQ(r->problems[0].affected.size(), 3u);  // every blob's user is named
  }
  auto honest = Open(SIZE_MAX);
  auto r = RunVerify(*honest, "", true);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_GT(r->bytes_read, 60000u);
}

}  // namespace
}  // namespace cv::ops
