#include "cassandra/bulk_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

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
  std::vector<std::string> want = {"--no-progress",
                                   "-d",
                                   "10.0.0.1,10.0.0.2",
                                   "-p",
                                   "9142",
                                   "-u",
                                   "loader",
                                   "-pw",
                                   "s3cret",
                                   "--throttle-mib",
                                   "8",
                                   "--entire-sstable-throttle-mib",
                                   "8",
                                   "-ts",
                                   "/etc/ts.jks",
                                   "-tspw",
                                   "tspass",
                                   "/stage/ks/t"};
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

// A stand-in for the loader's JVM (a shell; no Java here): it echoes the argfile it was handed and fails,
// as a tool that prints its arguments in an error would.
TEST(BulkLoaderTest, AFailingLoaderIsNamedItsArgFileGoneAndSecretsMasked) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("cv-loader-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto root = env::SafeDir::OpenRoot(dir.string());
  ASSERT_TRUE(root.ok());
  BulkLoaderSettings s;
  s.java_command = {"/bin/sh", "-c", "echo \"argv: $0\"; cat \"${0#@}\" >&2; exit 3"};
  s.hosts = {"127.0.0.1"};
  s.username = "loader";
  s.password = "pa\"ss wo'rd";
  s.keystore = "/ks";
  s.keystore_password = "kspw-secret";
  Status st = RunBulkLoader(s, *root, "/stage/ks/t", "ks.t");
  ASSERT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  std::string msg = st.ToString();
  EXPECT_NE(msg.find("sstableloader ks.t: exit code 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("argv: @" + (dir / "sstableloader.args").string()), std::string::npos) << msg;
  EXPECT_EQ(msg.find("ss wo"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("kspw-secret"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"-kspw\" | ***"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir / "sstableloader.args"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cv::cassandra
