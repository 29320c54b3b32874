#include "cassandra/cql_text.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace cv::cassandra {
namespace {

TEST(CqlTextTest, TokensSortNumerically) {
  std::vector<std::string> tokens = {
      "9", "-3074457345618258603", "3074457345618258602", "-9223372036854775808", "10", "0", "-10", "-9"};
  std::sort(tokens.begin(), tokens.end(), TokenLess);
  EXPECT_EQ(tokens, (std::vector<std::string>{"-9223372036854775808", "-3074457345618258603", "-10", "-9",
                                              "0", "9", "10", "3074457345618258602"}));
  // RandomPartitioner tokens exceed int64.
  EXPECT_TRUE(TokenLess("9223372036854775807", "170141183460469231731687303715884105727"));
  EXPECT_FALSE(TokenLess("170141183460469231731687303715884105727", "9223372036854775807"));
  EXPECT_FALSE(TokenLess("5", "5"));
  EXPECT_TRUE(TokenLess("5", "00ff"));  // non-decimal after decimal
}

TEST(CqlTextTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(QuoteIdentifier("ks_1"), "ks_1");
  EXPECT_EQ(QuoteIdentifier("MyKs"), "\"MyKs\"");
  EXPECT_EQ(QuoteIdentifier("1ks"), "\"1ks\"");
  EXPECT_EQ(QuoteIdentifier("select"), "\"select\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdentifier(""), "\"\"");
  EXPECT_EQ(QuoteStringLiteral("it's"), "'it''s'");
}

TEST(CqlTextTest, CreateKeyspace) {
  EXPECT_EQ(
      CreateKeyspaceStatement(
          "ks", {{"replication_factor", "3"}, {"class", "org.apache.cassandra.locator.SimpleStrategy"}},
          true),
      "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': "
      "'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '3'} AND durable_writes = true;");
  EXPECT_EQ(
      CreateKeyspaceStatement(
          "Ks",
          {{"class", "org.apache.cassandra.locator.NetworkTopologyStrategy"}, {"dc1", "3"}, {"dc2", "1"}},
          false),
      "CREATE KEYSPACE IF NOT EXISTS \"Ks\" WITH replication = {'class': "
      "'org.apache.cassandra.locator.NetworkTopologyStrategy', 'dc1': '3', 'dc2': '1'} AND durable_writes = "
      "false;");
}

TEST(CqlTextTest, TypesComeAfterTheTypesTheyUse) {
  std::vector<UserTypeDef> types = {
      {"address", {"street", "phones"}, {"text", "list<frozen<phone>>"}},
      {"person", {"name", "home", "Work"}, {"text", "frozen<address>", "frozen<\"Office\">"}},
      {"phone", {"number"}, {"text"}},
      {"Office", {"addr"}, {"frozen<address>"}},
      {"alone", {"x"}, {"int"}},
  };
  EXPECT_EQ(CreateTypeStatements("ks", types),
            (std::vector<std::string>{
                "CREATE TYPE IF NOT EXISTS ks.alone (x int);",
                "CREATE TYPE IF NOT EXISTS ks.phone (number text);",
                "CREATE TYPE IF NOT EXISTS ks.address (street text, phones list<frozen<phone>>);",
                "CREATE TYPE IF NOT EXISTS ks.\"Office\" (addr frozen<address>);",
                // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one statement, split to fit the line
                "CREATE TYPE IF NOT EXISTS ks.person (name text, home frozen<address>, \"Work\" "
                "frozen<\"Office\">);",
            }));
  EXPECT_TRUE(CreateTypeStatements("ks", {}).empty());
}

TEST(CqlTextTest, UuidToHex) {
  EXPECT_EQ(UuidToHex("7ad54392-bcdd-35a6-8417-4e047860b377"), "7ad54392bcdd35a684174e047860b377");
}

}  // namespace
}  // namespace cv::cassandra
