#include "storage/read_bounds.h"

#include <gtest/gtest.h>

namespace cv::storage {
namespace {

TEST(WholeReadLength, IsTheRestOfTheObject) {
  EXPECT_EQ(*WholeReadLength("packs/ab", 100, 0), 100u);
  EXPECT_EQ(*WholeReadLength("packs/ab", 100, 40), 60u);
  EXPECT_EQ(*WholeReadLength("packs/ab", 100, 100), 0u);  // at the end: nothing to read, not an error
  EXPECT_EQ(*WholeReadLength("packs/ab", kMaxWholeObjectRead, 0), kMaxWholeObjectRead);
}

TEST(WholeReadLength, AnOffsetPastTheEndIsCorruptionNamingTheObject) {
  auto r = WholeReadLength("s3://b/v/packs/ab", 10, 11);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(
      r.status().ToString().find("s3://b/v/packs/ab: object is 10 bytes, shorter than the range asked for"),
      std::string::npos)
      << r.status().ToString();
}

TEST(WholeReadLength, MoreThanTheCapIsRefusedBeforeAnyAllocation) {
  auto r = WholeReadLength("config", kMaxWholeObjectRead + 1, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().ToString().find("config: object is 1073741825 bytes, more than the 1024 MiB"),
            std::string::npos)
      << r.status().ToString();
  // The cap counts from the offset: the last GiB of a larger object is within it.
  EXPECT_EQ(*WholeReadLength("config", kMaxWholeObjectRead + 7, 7), kMaxWholeObjectRead);
}

}  // namespace
}  // namespace cv::storage
