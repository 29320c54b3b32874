#include "core/table_filter.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

TEST(TableFilterTest, DefaultTakesUserTablesNotSystem) {
  TableFilter f;
  EXPECT_TRUE(f.Matches("shop", "orders"));
  EXPECT_FALSE(f.Matches("system", "local"));
  EXPECT_FALSE(f.Matches("system_schema", "tables"));
  EXPECT_FALSE(f.MayMatchKeyspace("system_auth"));
}

TEST(TableFilterTest, IncludesAndExcludes) {
  auto f = TableFilter::Make({"shop", "logs.a*"}, {"shop.tmp_*"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Matches("shop", "orders"));
  EXPECT_FALSE(f->Matches("shop", "tmp_x"));
  EXPECT_TRUE(f->Matches("logs", "access"));
  EXPECT_FALSE(f->Matches("logs", "errors"));
  EXPECT_FALSE(f->Matches("other", "t"));
  EXPECT_TRUE(f->MayMatchKeyspace("logs"));
  EXPECT_FALSE(f->MayMatchKeyspace("other"));
}

TEST(TableFilterTest, SystemOnlyWhenNamed) {
  auto glob = TableFilter::Make({"sys*"}, {});
  ASSERT_TRUE(glob.ok());
  EXPECT_FALSE(glob->Matches("system_auth", "roles"));
  auto named = TableFilter::Make({"system_auth"}, {});
  ASSERT_TRUE(named.ok());
  EXPECT_TRUE(named->Matches("system_auth", "roles"));
}

TEST(TableFilterTest, BadPatternsAreNamed) {
  auto f = TableFilter::Make({"ks..t"}, {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("'ks..t'"), std::string::npos);
  EXPECT_FALSE(TableFilter::Make({"ks/../x"}, {}).ok());
  EXPECT_FALSE(TableFilter::Make({}, {""}).ok());
}

}  // namespace
}  // namespace cv
