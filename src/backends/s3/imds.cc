#include "backends/s3/imds.h"

#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "http/http_client.h"

namespace cv::backends::s3 {
namespace {

constexpr std::string_view kDefaultEndpoint = "http://169.254.169.254";
constexpr std::string_view kCredentialsPath = "/latest/meta-data/iam/security-credentials/";

// The metadata service is on the local link: anything slower than this is not there.
http::ClientOptions ImdsHttpOptions() {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::seconds(1);
  o.stall_timeout = std::chrono::seconds(2);
  o.total_timeout = std::chrono::seconds(5);
  o.max_idle_handles = 1;
  return o;
}

class Imds {
 public:
  explicit Imds(std::string endpoint) : endpoint_(std::move(endpoint)) {}

  Result<Credentials> Fetch() {
    std::lock_guard<std::mutex> lock(mu_);
    if (endpoint_.empty()) {
      const char* disabled = std::getenv("AWS_EC2_METADATA_DISABLED");
      if (disabled != nullptr && std::string_view(disabled) == "true") {
        return Status::NotFound("disabled by AWS_EC2_METADATA_DISABLED");
      }
      const char* ep = std::getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
      endpoint_ = ep != nullptr && *ep != '\0' ? ep : std::string(kDefaultEndpoint);
      while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
    }
    if (!client_) {
      CV_ASSIGN_OR_RETURN(client_, http::Client::Create(ImdsHttpOptions()));
    }
    const std::string subject = "EC2 instance metadata at " + endpoint_;

    // The session token: 6 hours, the longest IMDSv2 allows; a new one is asked for at every refresh.
    http::Request put;
    put.method = "PUT";
    put.url = endpoint_ + "/latest/api/token";
    put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    auto token = client_->Send(put);
    if (!token.ok()) return Status::NotFound(subject + " is not reachable (not an EC2 instance?)");
    if (token->status != 200 || token->body.empty()) {
      return Status::NotFound(subject + " refused a session token: HTTP " + std::to_string(token->status));
    }
    const std::string session(token->BodyText());

    CV_ASSIGN_OR_RETURN(std::string roles, Get(subject, std::string(kCredentialsPath), session));
    std::string role = roles.substr(0, roles.find('\n'));
    while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
    if (role.empty()) return Status::NotFound(subject + ": no IAM role is attached to this instance");
    CV_ASSIGN_OR_RETURN(std::string doc, Get(subject, std::string(kCredentialsPath) + role, session));
    return Parse(subject + ", role '" + role + "'", doc);
  }

 private:
  Result<std::string> Get(const std::string& subject, const std::string& path, const std::string& session) {
    http::Request get;
    get.url = endpoint_ + path;
    get.headers = {{"X-aws-ec2-metadata-token", session}};
    auto r = client_->Send(get);
    if (!r.ok()) return Status::Unavailable(subject, "GET " + path + ": " + r.status().message());
    if (r->status == 404) return Status::NotFound(subject + ": no IAM role is attached to this instance");
    if (r->status != 200) {
      return Status(StatusCode::kUnauthenticated, subject,
                    "GET " + path + ": HTTP " + std::to_string(r->status));
    }
    return std::string(r->BodyText());
  }

  static Result<Credentials> Parse(const std::string& subject, const std::string& doc) {
    nlohmann::json j = nlohmann::json::parse(doc, nullptr, /*allow_exceptions=*/false);
    auto str = [&j](const char* k) {
      return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
    };
    if (!j.is_object())
      return Status(StatusCode::kUnauthenticated, subject, "credentials are not a JSON object");
    if (std::string code = str("Code"); !code.empty() && code != "Success") {
      return Status(StatusCode::kUnauthenticated, subject, "the metadata service says " + code);
    }
    Credentials c;
    c.access_key_id = str("AccessKeyId");
    c.secret_access_key = str("SecretAccessKey");
    c.session_token = str("Token");
    c.expiration = ParseIso8601Utc(str("Expiration"));
    c.source = subject;
    if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty() ||
        c.expiration < 0) {
      return Status(
          StatusCode::kUnauthenticated, subject,
          "the credentials document lacks AccessKeyId, SecretAccessKey, Token or a valid Expiration");
    }
    return c;
  }

  std::mutex mu_;
  std::string endpoint_;                  // guarded by mu_
  std::unique_ptr<http::Client> client_;  // guarded by mu_
};

}  // namespace

int64_t ParseIso8601Utc(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS, then optional fraction, then Z.
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return -1;
  auto num = [&s](size_t pos, size_t n, int* out) {
    *out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      *out = *out * 10 + (s[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  int y = 0, mo = 0;
  if (!num(0, 4, &y) || !num(5, 2, &mo) || !num(8, 2, &tm.tm_mday) || !num(11, 2, &tm.tm_hour) ||
      !num(14, 2, &tm.tm_min) || !num(17, 2, &tm.tm_sec) || s.back() != 'Z') {
    return -1;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  return static_cast<int64_t>(timegm(&tm));
}

std::function<Result<Credentials>()> MakeImdsFetcher(const std::string& endpoint) {
  auto imds = std::make_shared<Imds>(endpoint);
  return [imds] { return imds->Fetch(); };
}

}  // namespace cv::backends::s3
