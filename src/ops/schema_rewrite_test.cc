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

// ---- what a live restore may run ----

TEST(SchemaCheckTest, AcceptsWhatCassandraWritesIntoSchemaCql) {
  for (const auto& stmt : SplitStatements(kSchema))
    EXPECT_TRUE(CheckSchemaStatement(stmt, "shop", "orders").ok()) << stmt;
  for (const char* stmt : {
           "CREATE TABLE shop.orders (id int PRIMARY KEY);",
           "create table if not exists SHOP.Orders (id int primary key)",  // unquoted names fold to lower
                                                                           // case
           "CREATE INDEX IF NOT EXISTS orders_status_idx ON shop.orders (status);",
           "CREATE INDEX ON shop.orders (status);",
           "CREATE INDEX on ON shop.orders (status);",
           "CREATE CUSTOM INDEX IF NOT EXISTS age_sai ON shop.orders (age) USING 'sai';",
           "ALTER TABLE shop.orders DROP legacy USING TIMESTAMP 1733400000000000;",
           "ALTER TABLE shop.orders ADD legacy text;",
           "ALTER TABLE shop.orders ADD static owner frozen<map<text, frozen<shop.address>>>;",
           "ALTER TABLE shop.orders ADD embedding vector<float, 3>;",
           "CREATE TABLE \"shop\".\"orders\" (id int PRIMARY KEY) WITH comment = 'a ; b -- c /* d'\n;",
           "-- a comment\nCREATE TABLE shop.orders (id int PRIMARY KEY) /* ; */ WITH comment = $$x;y$$;",
       }) {
    EXPECT_TRUE(CheckSchemaStatement(stmt, "shop", "orders").ok()) << stmt;
  }
}

TEST(SchemaCheckTest, RefusesAnythingElseNamingTheStatement) {
  for (const char* stmt : {
           "DROP KEYSPACE victim;",
           "DROP TABLE shop.orders;",
           "CREATE ROLE evil WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = 'pw';",
           "GRANT ALL PERMISSIONS ON ALL KEYSPACES TO evil;",
           "TRUNCATE shop.orders;",
           "INSERT INTO shop.orders (id) VALUES (1);",
           "CREATE TABLE other.orders (id int PRIMARY KEY);",    // another keyspace
           "CREATE TABLE shop.customers (id int PRIMARY KEY);",  // another table
           "CREATE TABLE orders (id int PRIMARY KEY);",          // unqualified: the session decides
           "CREATE TYPE other.address (street text);",
           "CREATE INDEX i ON other.orders (status);",
           "CREATE TABLE \"Shop\".orders (id int PRIMARY KEY);",  // quoted names are exact
           "CREATE TABLE shop.orders (id int PRIMARY KEY); DROP KEYSPACE victim;",
           "CREATE TABLE shop.orders (id int PRIMARY KEY) WITH comment = 'x'; DROP KEYSPACE victim",
           "ALTER TABLE shop.orders DROP legacy;",
           "ALTER TABLE shop.orders DROP legacy USING TIMESTAMP 1 AND x;",
           "ALTER TABLE shop.orders WITH gc_grace_seconds = 0;",
           "ALTER TABLE shop.orders ADD x text WITH comment = 'y';",
           "ALTER KEYSPACE shop WITH durable_writes = false;",
           "CREATE MATERIALIZED VIEW shop.v AS SELECT * FROM shop.orders WHERE id IS NOT NULL PRIMARY KEY "
           "(id);",
           "CREATE FUNCTION shop.f (x int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS 'return "
           "x;';",
           "CREATE TABLE shop.orders (id int PRIMARY KEY) WITH comment = 'unterminated;",
           "/* only a comment */",
           "",
       }) {
    Status st = CheckSchemaStatement(stmt, "shop", "orders");
    ASSERT_EQ(st.code(), StatusCode::kCorruption) << stmt;
    EXPECT_EQ(
        st.message().rfind("schema.cql of shop.orders: holds a statement a live restore does not run: `", 0),
        0u)
        << st.message();
    EXPECT_NE(st.message().find("Nothing was executed"), std::string::npos);
  }
  Status st = CheckSchemaStatement("DROP KEYSPACE victim;", "shop", "orders");
  EXPECT_NE(st.message().find("`DROP KEYSPACE victim;`"), std::string::npos) << st.message();
  st = CheckSchemaStatement("CREATE ROLE evil WITH PASSWORD = 'hunter2';", "shop", "orders");
  EXPECT_EQ(st.message().find("hunter2"), std::string::npos) << st.message();
}

TEST(SchemaCheckTest, KeyspaceStatement) {
  EXPECT_TRUE(CheckKeyspaceStatement(
                  "CREATE KEYSPACE IF NOT EXISTS shop WITH replication = {'class': 'SimpleStrategy', "
                  "'replication_factor': '1'} AND durable_writes = true;",
                  "shop")
                  .ok());
  EXPECT_EQ(CheckKeyspaceStatement("CREATE KEYSPACE other WITH replication = {};", "shop").code(),
            StatusCode::kCorruption);
  EXPECT_EQ(
      CheckKeyspaceStatement("CREATE KEYSPACE shop WITH replication = {}; DROP KEYSPACE x;", "shop").code(),
      StatusCode::kCorruption);
}

TEST(SchemaCheckTest, RestoreChecksTheRewrittenStatementsOfEveryTable) {
  Manifest m;
  m.keyspaces.push_back(
      {"shop", "CREATE KEYSPACE IF NOT EXISTS shop WITH replication = {'class': 'x'};", {}});
  TableEntry t{"shop", "orders", "", kSchema, {}};
  EXPECT_TRUE(CheckRestoreSchema(m, t, "shop", "orders").ok());
  EXPECT_TRUE(CheckRestoreSchema(m, t, "shop2", "orders_copy").ok());  // --rename
  t.schema_cql += "DROP KEYSPACE victim;\n";
  Status st = CheckRestoreSchema(m, t, "shop", "orders");
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("DROP KEYSPACE victim"), std::string::npos) << st.message();
  t.schema_cql = kSchema;
  m.keyspaces[0].create_keyspace =
      "CREATE KEYSPACE IF NOT EXISTS shop WITH replication = {}; DROP KEYSPACE x;";
  EXPECT_EQ(CheckRestoreSchema(m, t, "shop", "orders").code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cv::ops
