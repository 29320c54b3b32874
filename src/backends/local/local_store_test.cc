// The local backend: the shared ObjectStore contract (storage/store_contract.h), then what only a
// directory has — interrupted-Put leftovers, paths that could leave the root, a missing vault dir.
#include "backends/local/local_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "storage/store_contract.h"

namespace cv::backends {
namespace {

using storage::testing::ObjectStoreContract;

namespace fs = std::filesystem;

fs::path ContractRoot(const std::string& unique) { return fs::temp_directory_path() / unique; }

INSTANTIATE_TEST_SUITE_P(Local, ObjectStoreContract,
                         ::testing::Values(storage::testing::ContractTarget{
                             "Local",
                             [](const std::string& unique) {
                               return OpenLocalStore(ContractRoot(unique).string(), true);
                             },
                             [](const std::string& unique) { fs::remove_all(ContractRoot(unique)); }}),
                         storage::testing::ContractTargetName);

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cv-local-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    auto s = OpenLocalStore(root_.string(), true);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void TearDown() override { fs::remove_all(root_); }
  static std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

  fs::path root_;
  std::unique_ptr<storage::ObjectStore> store_;
};

TEST_F(LocalStoreTest, ListSkipsInterruptedPuts) {
  ASSERT_TRUE(store_->Put("index/1", Bytes("a")).ok());
  ASSERT_TRUE(store_->Put("index/2", Bytes("bb")).ok());
  ASSERT_TRUE(store_->Put("backups/x", Bytes("c")).ok());
  // What a kill -9 in the middle of Put leaves behind.
  { std::ofstream(root_ / "index" / ".tmp-1-1") << "partial"; }
  std::set<std::string> keys;
  ASSERT_TRUE(store_->List("index/", [&](const storage::ObjectInfo& o) { keys.insert(o.key); }).ok());
  EXPECT_EQ(keys, (std::set<std::string>{"index/1", "index/2"}));
  auto st = store_->Stat("index/2");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 2u);
}

TEST_F(LocalStoreTest, RefusesKeysThatLeaveTheRoot) {
  EXPECT_EQ(store_->Put("../escape", Bytes("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("/etc/passwd", Bytes("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(root_.parent_path() / "escape"));
}

TEST_F(LocalStoreTest, MissingVaultIsNotFound) {
  auto s = OpenLocalStore((root_ / "nope").string(), false);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsNotFound());
  EXPECT_NE(s.status().message().find("cassvault init"), std::string::npos);
}

}  // namespace
}  // namespace cv::backends
