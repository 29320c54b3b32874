// The credential chain without a network: each source against the environment and a temporary shared
// credentials file, the order of the chain, caching and refresh on a fake clock, and messages that name
// sources but never a secret. IMDSv2 against a stand-in metadata server is in tests/integration/test_s3.py.
#include "backends/s3/credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "backends/s3/imds.h"

namespace cv::backends::s3 {
namespace {

constexpr const char* kVars[] = {"AWS_ACCESS_KEY_ID",           "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE",           "CV_TEST_S3_SECRET",
                                 "AWS_EC2_METADATA_DISABLED"};

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVars) ::unsetenv(v);
    dir_ = "/tmp/cv-creds-" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("mkdir -p " + dir_).c_str()), 0);
    file_ = dir_ + "/credentials";
    std::ofstream(file_) << "# a comment\n[default]\naws_access_key_id = AKIDDEFAULT\n"
                            "aws_secret_access_key = default-secret\n\n[backup]\n"
                            "aws_access_key_id=AKIDBACKUP\naws_secret_access_key=backup-secret\n"
                            "aws_session_token = backup-token\n[broken]\naws_access_key_id = AKIDBROKEN\n";
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", file_.c_str(), 1);
    ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);  // no network in unit tests
  }
  void TearDown() override {
    for (const char* v : kVars) ::unsetenv(v);
    ASSERT_EQ(std::system(("rm -rf " + dir_).c_str()), 0);
  }
  std::string dir_, file_;
};

TEST_F(CredentialsTest, ConfigNamesTheVariableHoldingTheSecret) {
  CredentialConfig c;
  c.access_key_id = "AKIDCONFIG";
  c.secret_access_key_env = "CV_TEST_S3_SECRET";
  auto missing = CredentialsFromConfig(c);
  EXPECT_EQ(missing.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(missing.status().message().find("CV_TEST_S3_SECRET, which is not set"), std::string::npos);
  ::setenv("CV_TEST_S3_SECRET", "config-secret", 1);
  auto ok = CredentialsFromConfig(c);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->access_key_id, "AKIDCONFIG");
  EXPECT_EQ(ok->secret_access_key, "config-secret");
  EXPECT_TRUE(CredentialsFromConfig({}).status().IsNotFound());
}

TEST_F(CredentialsTest, EnvironmentNeedsBothHalves) {
  EXPECT_TRUE(CredentialsFromEnvironment().status().IsNotFound());
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  auto half = CredentialsFromEnvironment();
  EXPECT_EQ(half.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(half.status().message().find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos);
  ::setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  ::setenv("AWS_SESSION_TOKEN", "env-token", 1);
  auto ok = CredentialsFromEnvironment();
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->session_token, "env-token");
}

TEST_F(CredentialsTest, SharedFileProfiles) {
  auto def = CredentialsFromSharedFile("");
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(def->secret_access_key, "default-secret");
  EXPECT_NE(def->source.find("profile 'default'"), std::string::npos);

  ::setenv("AWS_PROFILE", "backup", 1);
  auto env_profile = CredentialsFromSharedFile("");
  ASSERT_TRUE(env_profile.ok());
  EXPECT_EQ(env_profile->access_key_id, "AKIDBACKUP");
  EXPECT_EQ(env_profile->session_token, "backup-token");
  auto config_profile = CredentialsFromSharedFile("default");  // the config wins over AWS_PROFILE
  EXPECT_EQ(config_profile->access_key_id, "AKIDDEFAULT");

  auto none = CredentialsFromSharedFile("nosuch");
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated) << "a chosen profile must exist";
  EXPECT_NE(none.status().message().find("profile 'nosuch'"), std::string::npos);
  auto broken = CredentialsFromSharedFile("broken");
  EXPECT_EQ(broken.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(broken.status().message().find("AKIDBROKEN"), std::string::npos);

  ::unsetenv("AWS_PROFILE");
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ + "/absent").c_str(), 1);
  EXPECT_TRUE(CredentialsFromSharedFile("").status().IsNotFound())
      << "no file, no choice: try the next source";
  EXPECT_EQ(CredentialsFromSharedFile("backup").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(CredentialsTest, TheDefaultChainTakesTheFirstConfiguredSource) {
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  ::setenv("CV_TEST_S3_SECRET", "config-secret", 1);
  CredentialConfig config;
  config.access_key_id = "AKIDCONFIG";
  config.secret_access_key_env = "CV_TEST_S3_SECRET";
  EXPECT_EQ(CredentialChain(DefaultCredentialSources(config)).Get()->access_key_id, "AKIDCONFIG");
  EXPECT_EQ(CredentialChain(DefaultCredentialSources({})).Get()->access_key_id, "AKIDENV");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(CredentialChain(DefaultCredentialSources({})).Get()->access_key_id, "AKIDDEFAULT");

  ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ + "/absent").c_str(), 1);
  auto none = CredentialChain(DefaultCredentialSources({})).Get();
  ASSERT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  const std::string& m = none.status().message();
  for (const std::string& tried : std::vector<std::string>{
           "cassvault.yaml: vault.s3.access_key_id is not set", "environment: AWS_ACCESS_KEY_ID",
           "shared credentials file: " + dir_ + "/absent does not exist",
           "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED"}) {
    EXPECT_NE(m.find(tried), std::string::npos) << tried << " in: " << m;
  }
  for (std::string secret : {"config-secret", "env-secret", "default-secret", "backup-secret"}) {
    EXPECT_EQ(m.find(secret), std::string::npos) << m;
  }
}

TEST(CredentialChain, CachesAndRefreshesTemporaryCredentialsBeforeTheyExpire) {
  int64_t now = 1'000'000;
  int fetches = 0;
  CredentialSource temp{"temp", [&]() -> Result<Credentials> {
                          ++fetches;
                          if (fetches == 3) return Status::Unavailable("metadata", "flaky");
                          return Credentials{.access_key_id = "AKID" + std::to_string(fetches),
                                             .secret_access_key = "s",
                                             .session_token = "t",
                                             .expiration = now + 3600,
                                             .source = "temp"};
                        }};
  CredentialChain chain({temp}, [&] { return now; });
  EXPECT_EQ(chain.Get()->access_key_id, "AKID1");
  now += 3600 - CredentialChain::kRefreshMarginSeconds - 1;
  EXPECT_EQ(chain.Get()->access_key_id, "AKID1") << "still more than 5 minutes left: cached";
  EXPECT_EQ(fetches, 1);
  now += 2;
  EXPECT_EQ(chain.Get()->access_key_id, "AKID2") << "within 5 minutes of expiry: refreshed";
  const int64_t expiry2 = now + 3600;
  now = expiry2 - 60;
  EXPECT_EQ(chain.Get()->access_key_id, "AKID2") << "a failed refresh keeps credentials that still work";
  EXPECT_EQ(fetches, 3);
  now = expiry2 - 30;
  EXPECT_EQ(chain.Get()->access_key_id, "AKID4");
}

TEST(CredentialChain, ABrokenSourceStopsTheChain) {
  int later = 0;
  CredentialChain chain(
      {{"a", [] { return Result<Credentials>(Status::NotFound("not here")); }},
       {"b", [] { return Result<Credentials>(Status(StatusCode::kUnauthenticated, "b", "half a key")); }},
       {"c", [&] {
          ++later;
          return Result<Credentials>(Credentials{.access_key_id = "x",
                                                 .secret_access_key = "",
                                                 .session_token = "",
                                                 .expiration = 0,
                                                 .source = ""});
        }}});
  EXPECT_EQ(chain.Get().status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(later, 0) << "a typo must not silently switch identity";
}

TEST(Imds, ParsesTheExpirationFormat) {
  EXPECT_EQ(ParseIso8601Utc("2013-05-24T00:00:00Z"), 1369353600);
  EXPECT_EQ(ParseIso8601Utc("2013-05-24T00:00:00.123Z"), 1369353600);
  EXPECT_EQ(ParseIso8601Utc("yesterday"), -1);
}

}  // namespace
}  // namespace cv::backends::s3
