// src/backends/s3/credentials.h — where S3 credentials come from, in the order AWS's own SDKs look:
//
//   1. the config: vault.s3.access_key_id, with the secret in the environment variable that
//      vault.s3.secret_access_key_env names (and optionally a session token in session_token_env);
//      a secret is never in cassvault.yaml or on a command line;
//   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   3. the shared credentials file: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials, profile
//      vault.s3.profile, else AWS_PROFILE, else "default";
//   4. EC2 instance metadata (IMDSv2, imds.h): the instance role's temporary credentials.
//
// The first source that is configured wins; a source that is configured but broken (a named variable
// unset, a chosen profile missing, half a key pair) is an error, not a reason to try the next one, so a
// typo never silently switches identity. Temporary credentials are cached and fetched again from the
// same source 5 minutes before they expire. Errors list the sources tried and why each had nothing;
// they never contain a secret (nor an access key id, which names an identity to an attacker).
//
// Thread safety: CredentialChain::Get is safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace cv::backends::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // secret
  std::string session_token;      // secret; empty for long-term keys
  int64_t expiration = 0;         // unix seconds; 0 = does not expire
  std::string source;             // which source gave them, for messages ("environment (AWS_ACCESS_KEY_ID)")
};

// One place credentials may come from. `fetch` returns NotFound when the source is simply not configured
// here (the chain tries the next; the message says why, e.g. "AWS_ACCESS_KEY_ID is not set"), any other
// failure to stop the chain.
struct CredentialSource {
  std::string name;
  std::function<Result<Credentials>()> fetch;
};

// What cassvault.yaml says about credentials (vault.s3.*).
struct CredentialConfig {
  std::string access_key_id;          // vault.s3.access_key_id
  std::string secret_access_key_env;  // vault.s3.secret_access_key_env
  std::string session_token_env;      // vault.s3.session_token_env (optional)
  std::string profile;                // vault.s3.profile
  std::string imds_endpoint;          // empty: AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254
};

class CredentialChain {
 public:
  // Refresh temporary credentials this long before they expire: a request signed with them must still
  // reach the service in time, and a multipart upload takes a while.
  static constexpr int64_t kRefreshMarginSeconds = 300;

  // `now` returns unix seconds (a test passes a fake clock).
  explicit CredentialChain(std::vector<CredentialSource> sources, std::function<int64_t()> now = {});

  // The cached credentials while they are good; otherwise walks the chain (first call) or asks the source
  // that answered before (refresh). A failed refresh keeps credentials that have not yet expired.
  // Unauthenticated, naming every source tried, when no source has credentials.
  Result<Credentials> Get();

 private:
  Result<Credentials> Resolve();  // REQUIRES: mu_ held

  std::vector<CredentialSource> sources_;
  std::function<int64_t()> now_;
  std::mutex mu_;
  std::optional<Credentials> cached_;  // guarded by mu_
  int source_index_ = -1;              // guarded by mu_: the source `cached_` came from
};

// The four sources of the default chain, in order.
std::vector<CredentialSource> DefaultCredentialSources(const CredentialConfig& config);

// The individual sources, for tests.
Result<Credentials> CredentialsFromConfig(const CredentialConfig& config);
Result<Credentials> CredentialsFromEnvironment();
Result<Credentials> CredentialsFromSharedFile(const std::string& profile_from_config);

}  // namespace cv::backends::s3
