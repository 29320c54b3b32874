#include "ops/schema_rewrite.h"

#include <gtest/gtest.h>

namespace cv::ops {
namespace {

// As Cassandra 5.0 writes it into a snapshot.
const char* kSchema = R"(CREATE TYPE IF NOT EXISTS shop.address (
    street text,
    zip int
);
CREATE TABLE IF NOT EXISTS shop.orders (
    id int PRIMARY KEY,
    addr frozen<address>,
    note text
) WITH ID = 5a1c395e-0f5d-11ef-b4e5-b5c0a5e1c2d3
    AND additional_write_policy = '99p'
    AND comment = 'orders; all of them';
CREATE CUSTOM INDEX IF NOT EXISTS note_idx ON shop.orders (note) USING 'StorageAttachedIndex';
)";

TEST(SchemaRewriteTest, SplitsStatements) {
  auto s = SplitStatements(kSchema);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].rfind("CREATE TYPE", 0), 0u);
  EXPECT_NE(s[1].find("comment = 'orders; all of them';"), std::string::npos);
  EXPECT_EQ(s[2].rfind("CREATE CUSTOM INDEX", 0), 0u);
}

TEST(SchemaRewriteTest, RenamedTableGetsFreshIdAndIndexNames) {
  auto s = SplitStatements(kSchema);
  std::string t = RewriteTableStatement(s[1], "shop", "orders", "shop", "orders_restored");
  EXPECT_NE(t.find("CREATE TABLE IF NOT EXISTS shop.orders_restored ("), std::string::npos) << t;
  EXPECT_EQ(t.find("ID ="), std::string::npos) << t;
  EXPECT_NE(t.find("WITH additional_write_policy"), std::string::npos) << t;
  std::string i = RewriteTableStatement(s[2], "shop", "orders", "shop", "orders_restored");
  EXPECT_EQ(i,
            "CREATE CUSTOM INDEX IF NOT EXISTS orders_restored_note_idx ON shop.orders_restored (note) USING "
            "'StorageAttachedIndex';");
}

TEST(SchemaRewriteTest, RenamedKeyspaceMovesTypes) {
  auto s = SplitStatements(kSchema);
  EXPECT_EQ(RewriteTableStatement(s[0], "shop", "orders", "shop2", "orders")
                .rfind("CREATE TYPE IF NOT EXISTS shop2.address", 0),
            0u);
  std::string k = RewriteKeyspaceStatement(
      "CREATE KEYSPACE IF NOT EXISTS shop WITH replication = {'class': 'SimpleStrategy'};", "shop", "shop2");
  EXPECT_EQ(k, "CREATE KEYSPACE IF NOT EXISTS shop2 WITH replication = {'class': 'SimpleStrategy'};");
  std::string t = RewriteTableStatement(s[1], "shop", "orders", "shop2", "orders");
  EXPECT_NE(t.find("CREATE TABLE IF NOT EXISTS shop2.orders ("), std::string::npos) << t;
  EXPECT_EQ(t.find("ID ="), std::string::npos) << t;
  std::string i = RewriteTableStatement(s[2], "shop", "orders", "shop2", "orders");
  EXPECT_EQ(i.rfind("CREATE CUSTOM INDEX IF NOT EXISTS note_idx ON shop2.orders", 0), 0u) << i;
}

TEST(SchemaRewriteTest, SameNameIsUntouched) {
  auto s = SplitStatements(kSchema);
  EXPECT_EQ(RewriteTableStatement(s[1], "shop", "orders", "shop", "orders"), s[1]);
}

}  // namespace
}  // namespace cv::ops
