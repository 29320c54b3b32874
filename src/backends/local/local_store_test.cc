// The ObjectStore contract, checked on the local backend.
#include "backends/local/local_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace cv::backends {
namespace {

namespace fs = std::filesystem;

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

TEST_F(LocalStoreTest, PutIsCreateOnly) {
  ASSERT_TRUE(store_->Put("packs/ab/abcd", Bytes("first")).ok());
  Status again = store_->Put("packs/ab/abcd", Bytes("second"));
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  std::vector<uint8_t> out;
  ASSERT_TRUE(store_->Get("packs/ab/abcd", 0, 0, &out).ok());
  EXPECT_EQ(out, Bytes("first"));
}

TEST_F(LocalStoreTest, RangedGetAndShortObject) {
  ASSERT_TRUE(store_->Put("k", Bytes("0123456789")).ok());
  std::vector<uint8_t> out;
  ASSERT_TRUE(store_->Get("k", 3, 4, &out).ok());
  EXPECT_EQ(out, Bytes("3456"));
  EXPECT_TRUE(store_->Get("k", 8, 5, &out).IsCorruption());
  EXPECT_TRUE(store_->Get("missing", 0, 0, &out).IsNotFound());
}

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

TEST_F(LocalStoreTest, DeleteRemoves) {
  ASSERT_TRUE(store_->Put("a/b", Bytes("x")).ok());
  ASSERT_TRUE(store_->Delete("a/b").ok());
  EXPECT_TRUE(store_->Stat("a/b").status().IsNotFound());
  EXPECT_TRUE(store_->Delete("a/b").IsNotFound());
}

}  // namespace
}  // namespace cv::backends
