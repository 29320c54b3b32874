// CASSVAULT_STATS=1: OpenStore counts what the store is asked for, into one process-wide tally that
// StatsJson reports; without it the store is not wrapped and nothing is counted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "backends/registry.h"

namespace cv::backends {
namespace {

namespace fs = std::filesystem;

nlohmann::json Stats() { return nlohmann::json::parse(StatsJson()).at("cassvault_stats"); }

class RegistryStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cv-stats-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override {
    ::unsetenv("CASSVAULT_STATS");
    fs::remove_all(root_);
  }
  // Two puts, a get, a stat, a list (of two keys) and a delete.
  void Exercise(storage::ObjectStore& store) {
    const std::vector<uint8_t> data = {1, 2, 3};
    ASSERT_TRUE(store.Put("a/1", data).ok());
    ASSERT_TRUE(store.Put("a/2", data).ok());
    std::vector<uint8_t> out;
    ASSERT_TRUE(store.Get("a/1", 0, 0, &out).ok());
    EXPECT_EQ(out, data);
    ASSERT_TRUE(store.Stat("a/2").ok());
    int listed = 0;
    ASSERT_TRUE(store.List("a/", [&](const storage::ObjectInfo&) { ++listed; }).ok());
    EXPECT_EQ(listed, 2);
    ASSERT_TRUE(store.Delete("a/1").ok());
  }
  fs::path root_;
};

TEST_F(RegistryStatsTest, CountsEveryRequestWhenAsked) {
  ::setenv("CASSVAULT_STATS", "1", 1);
  ASSERT_TRUE(StatsRequested());
  const nlohmann::json before = Stats();
  auto store = OpenStore("file://" + root_.string(), {}, true);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Exercise(**store);
  const nlohmann::json after = Stats();
  auto delta = [&](const char* k) { return after.at(k).get<uint64_t>() - before.at(k).get<uint64_t>(); };
  EXPECT_EQ(delta("puts"), 2u);
  EXPECT_EQ(delta("gets"), 1u);
  EXPECT_EQ(delta("stats"), 1u);
  EXPECT_EQ(delta("lists"), 1u);
  EXPECT_EQ(delta("list_pages"), 1u);  // a local store: one page per List call
  EXPECT_EQ(delta("listed_keys"), 2u);
  EXPECT_EQ(delta("deletes"), 1u);
  EXPECT_EQ(delta("requests"), 6u);
  EXPECT_EQ(after.at("http_requests").get<uint64_t>(), 0u);  // nothing went over HTTP
}

TEST_F(RegistryStatsTest, CountsNothingOtherwise) {
  for (const char* value : {"", "0", "yes"}) {
    ::setenv("CASSVAULT_STATS", value, 1);
    EXPECT_FALSE(StatsRequested()) << value;
  }
  ::unsetenv("CASSVAULT_STATS");
  const nlohmann::json before = Stats();
  auto store = OpenStore("file://" + root_.string(), {}, true);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Exercise(**store);
  EXPECT_EQ(Stats(), before);
}

}  // namespace
}  // namespace cv::backends
