#include "storage/utc_time.h"

#include <gtest/gtest.h>

namespace cv::storage {
namespace {

TEST(UtcTime, FormatsAndParsesTheStoresSpellings) {
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(1798761600), "2027-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(951782400), "2000-02-29T00:00:00Z");  // leap day
  EXPECT_EQ(ParseIso8601("2027-01-01T00:00:00Z"), 1798761600);
  EXPECT_EQ(ParseIso8601("2026-12-06T13:34:39.123Z"), 1796564079);
  EXPECT_EQ(ParseIso8601("2026-12-06T13:34:39+00:00"), 1796564079);
  EXPECT_EQ(ParseRfc1123("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseRfc1123("Sun, 06 Dec 2026 13:34:39 GMT"), 1796564079);
  for (int64_t t : {int64_t{0}, int64_t{1796564079}, int64_t{4102444799}})
    EXPECT_EQ(ParseIso8601(FormatUtc(t)), t);
}

TEST(UtcTime, RefusesWhatIsNotADate) {
  EXPECT_FALSE(ParseIso8601(""));
  EXPECT_FALSE(ParseIso8601("2026-12-06 13:34:39Z"));
  EXPECT_FALSE(ParseIso8601("2026-13-06T13:34:39Z"));
  EXPECT_FALSE(ParseIso8601("2026-12-06T13:34:39+02:00"));  // only UTC is a store's answer
  EXPECT_FALSE(ParseRfc1123("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(ParseRfc1123("Sun, 6 Nov 1994 08:49:37 GMT"));
}

}  // namespace
}  // namespace cv::storage
