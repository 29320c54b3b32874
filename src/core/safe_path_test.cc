#include "core/safe_path.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

TEST(SafePathTest, AcceptsSSTableNames) {
  EXPECT_TRUE(CheckRelativeFilePath("nb-1-big-Data.db").ok());
  EXPECT_TRUE(CheckRelativeFilePath(".val_idx/nb-1-big-Data.db").ok());
  EXPECT_TRUE(CheckIdentifier("cv_simple", "keyspace").ok());
  EXPECT_TRUE(CheckTableId("5a1c395e0f5d11efb4e5b5c0a5e1c2d3").ok());
  EXPECT_TRUE(CheckTableId("").ok());
}

TEST(SafePathTest, RejectsEscapes) {
  for (const char* p : {"../../etc/passwd", "/etc/passwd", "..", ".", "a//b", "a/", ".idx/../../x",
                        "sub/nb-1-big-Data.db", ".a/.b/c", "a\\b", "a\nb", ""}) {
    Status s = CheckRelativeFilePath(p);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << p;
  }
  EXPECT_FALSE(CheckIdentifier("../ks", "keyspace").ok());
  EXPECT_FALSE(CheckIdentifier("", "table").ok());
  EXPECT_FALSE(CheckTableId("../../../../tmp/x0000000000000000").ok());
  EXPECT_NE(CheckRelativeFilePath("../x").message().find("refusing to write outside"), std::string::npos);
}

}  // namespace
}  // namespace cv
