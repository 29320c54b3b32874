#include "backends/s3/credentials.h"

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "backends/s3/imds.h"

namespace cv::backends::s3 {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CredentialChain::CredentialChain(std::vector<CredentialSource> sources, std::function<int64_t()> now)
    : sources_(std::move(sources)), now_(now ? std::move(now) : std::function<int64_t()>(&SystemNow)) {}

Result<Credentials> CredentialChain::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = now_();
  if (cached_ && (cached_->expiration == 0 || now < cached_->expiration - kRefreshMarginSeconds))
    return *cached_;
  if (cached_) {
    // Refresh from the source that gave them; keep the old ones while they still work.
    auto fresh = sources_[static_cast<size_t>(source_index_)].fetch();
    if (fresh.ok()) {
      cached_ = *fresh;
      return *cached_;
    }
    if (now < cached_->expiration) return *cached_;
    return fresh.status().Annotate("S3 credentials expired and could not be refreshed");
  }
  return Resolve();
}

Result<Credentials> CredentialChain::Resolve() {
  std::string tried;
  for (size_t i = 0; i < sources_.size(); ++i) {
    auto c = sources_[i].fetch();
    if (c.ok()) {
      cached_ = *c;
      source_index_ = static_cast<int>(i);
      return *cached_;
    }
    if (!c.status().IsNotFound()) return c.status();
    tried += (tried.empty() ? "" : "; ") + sources_[i].name + ": " + c.status().message();
  }
  return Status(StatusCode::kUnauthenticated, "S3 credentials",
                "none found (tried, in order: " + tried +
                    "). Set vault.s3.access_key_id and vault.s3.secret_access_key_env, or AWS_ACCESS_KEY_ID "
                    "and AWS_SECRET_ACCESS_KEY, or a profile in the shared credentials file, or run on an "
                    "EC2 instance with an instance role");
}

Result<Credentials> CredentialsFromConfig(const CredentialConfig& config) {
  if (config.access_key_id.empty()) return Status::NotFound("vault.s3.access_key_id is not set");
  Credentials c;
  c.access_key_id = config.access_key_id;
  c.secret_access_key = Env(config.secret_access_key_env.c_str());
  c.source = "vault.s3.access_key_id with the secret from $" + config.secret_access_key_env;
  if (c.secret_access_key.empty()) {
    return Status(StatusCode::kUnauthenticated, "S3 credentials",
                  "vault.s3.secret_access_key_env names the environment variable " +
                      config.secret_access_key_env + ", which is not set or empty");
  }
  if (!config.session_token_env.empty()) {
    c.session_token = Env(config.session_token_env.c_str());
    if (c.session_token.empty()) {
      return Status(StatusCode::kUnauthenticated, "S3 credentials",
                    "vault.s3.session_token_env names the environment variable " + config.session_token_env +
                        ", which is not set or empty");
    }
  }
  return c;
}

Result<Credentials> CredentialsFromEnvironment() {
  Credentials c;
  c.access_key_id = Env("AWS_ACCESS_KEY_ID");
  c.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
  c.session_token = Env("AWS_SESSION_TOKEN");
  c.source = "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)";
  if (c.access_key_id.empty() && c.secret_access_key.empty()) {
    return Status::NotFound("AWS_ACCESS_KEY_ID is not set");
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status(
        StatusCode::kUnauthenticated, "S3 credentials from the environment",
        std::string(c.access_key_id.empty() ? "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
                                            : "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
  }
  return c;
}

Result<Credentials> CredentialsFromSharedFile(const std::string& profile_from_config) {
  std::string path = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty()) {
    std::string home = Env("HOME");
    if (home.empty()) return Status::NotFound("HOME is not set");
    path = home + "/.aws/credentials";
  }
  // A profile someone chose (config or AWS_PROFILE) must exist; the implicit "default" may be absent.
  std::string profile = profile_from_config;
  std::string chosen_by = "vault.s3.profile";
  if (profile.empty()) {
    profile = Env("AWS_PROFILE");
    chosen_by = "AWS_PROFILE";
  }
  const bool chosen = !profile.empty();
  if (!chosen) profile = "default";
  const std::string subject = "shared credentials file " + path + ", profile '" + profile + "'";

  std::ifstream in(path);
  if (!in) {
    if (chosen) {
      return Status(StatusCode::kUnauthenticated, subject,
                    "cannot be read, but " + chosen_by + " chooses this profile");
    }
    return Status::NotFound(path + " does not exist");
  }
  Credentials c;
  c.source = subject;
  bool in_profile = false, found = false;
  for (std::string line; std::getline(in, line);) {
    std::string_view l = Trim(line);
    if (l.empty() || l.front() == '#' || l.front() == ';') continue;
    if (l.front() == '[' && l.back() == ']') {
      in_profile = Trim(l.substr(1, l.size() - 2)) == profile;
      found = found || in_profile;
      continue;
    }
    size_t eq = l.find('=');
    if (!in_profile || eq == std::string_view::npos) continue;
    std::string_view k = Trim(l.substr(0, eq)), v = Trim(l.substr(eq + 1));
    if (k == "aws_access_key_id") c.access_key_id = std::string(v);
    if (k == "aws_secret_access_key") c.secret_access_key = std::string(v);
    if (k == "aws_session_token") c.session_token = std::string(v);
  }
  if (!found) {
    if (chosen) return Status(StatusCode::kUnauthenticated, subject, "no such profile in the file");
    return Status::NotFound(path + " has no profile 'default'");
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status(StatusCode::kUnauthenticated, subject,
                  "the profile lacks aws_access_key_id or aws_secret_access_key");
  }
  return c;
}

std::vector<CredentialSource> DefaultCredentialSources(const CredentialConfig& config) {
  std::vector<CredentialSource> s;
  s.push_back({"cassvault.yaml", [config] { return CredentialsFromConfig(config); }});
  s.push_back({"environment", [] { return CredentialsFromEnvironment(); }});
  s.push_back(
      {"shared credentials file", [profile = config.profile] { return CredentialsFromSharedFile(profile); }});
  s.push_back({"EC2 instance metadata", MakeImdsFetcher(config.imds_endpoint)});
  return s;
}

}  // namespace cv::backends::s3
