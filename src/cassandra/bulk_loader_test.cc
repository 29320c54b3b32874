#include "cassandra/bulk_loader.h"

#include <gtest/gtest.h>

namespace cv::cassandra {
namespace {

TEST(BulkLoaderTest, ArgFileTokensQuoteEverythingTheLauncherWouldSplitOrEscape) {
  EXPECT_EQ(*ArgFileToken("plain", "x"), "\"plain\"");
  EXPECT_EQ(*ArgFileToken("", "x"), "\"\"");
  EXPECT_EQ(*ArgFileToken("a b#c'd", "x"), "\"a b#c'd\"");
  EXPECT_EQ(*ArgFileToken("a\\b", "x"), "\"a\\\\b\"");
  EXPECT_EQ(*ArgFileToken("ab\"cd", "x"), "\"ab\"'\"'\"cd\"");
  EXPECT_EQ(*ArgFileToken("\"", "x"), "'\"'");
}

TEST(BulkLoaderTest, ControlCharactersAreRefusedWithoutEchoingTheValue) {
  auto r = ArgFileToken("sec\nret", "the password for -pw");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().ToString().find("sec"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().ToString().find("the password for -pw"), std::string::npos);
}

TEST(BulkLoaderTest, ArgsCarryThrottleAndCredentialsAndTheRedactedCopyHidesThem) {
  BulkLoaderSettings s;
  s.hosts = {"10.0.0.1", "10.0.0.2"};
  s.native_port = 9142;
  s.username = "loader";
  s.password = "s3cret";
  s.throttle_mib = 8;
  s.truststore = "/etc/ts.jks";
  s.truststore_password = "tspass";
  auto args = BulkLoaderArgs(s, "/stage/ks/t");
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  std::vector<std::string> want = {"--no-progress", "-d", "10.0.0.1,10.0.0.2", "-p", "9142", "-u", "loader",
                                   "-pw", "s3cret", "--throttle-mib", "8", "--entire-sstable-throttle-mib", "8",
                                   "-ts", "/etc/ts.jks", "-tspw", "tspass", "/stage/ks/t"};
  EXPECT_EQ(*args, want);
  std::string shown;
  for (const auto& a : RedactedBulkLoaderArgs(s, "/stage/ks/t")) shown += a + " ";
  EXPECT_EQ(shown.find("s3cret"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("tspass"), std::string::npos) << shown;
  EXPECT_NE(shown.find("-pw *** "), std::string::npos) << shown;
}

TEST(BulkLoaderTest, BadSettingsAreRefused) {
  BulkLoaderSettings s;
  EXPECT_EQ(BulkLoaderArgs(s, "/a/b/c").status().code(), StatusCode::kInvalidArgument);  // no host
  s.hosts = {"-evil"};
  EXPECT_EQ(BulkLoaderArgs(s, "/a/b/c").status().code(), StatusCode::kInvalidArgument);
  s.hosts = {"h"};
  s.username = "u";
  EXPECT_EQ(BulkLoaderArgs(s, "/a/b/c").status().code(), StatusCode::kInvalidArgument);  // no password
  s.username.clear();
  EXPECT_EQ(BulkLoaderArgs(s, "rel/dir").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cv::cassandra
