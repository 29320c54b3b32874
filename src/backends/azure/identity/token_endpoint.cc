#include "backends/azure/identity/token_endpoint.h"

#include <nlohmann/json.hpp>

#include "backends/azure/identity/token_cache.h"

namespace cv::backends::azure::identity {
namespace {

using Json = nlohmann::json;

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

std::string Encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    if (IsUnreserved(c)) {
      out += c;
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// A JSON number or a string of digits (IMDS and App Service send every value as a string).
bool JsonInt(const Json& doc, const char* name, int64_t* out) {
  auto it = doc.find(name);
  if (it == doc.end()) return false;
  if (it->is_number_integer()) {
    *out = it->get<int64_t>();
    return true;
  }
  if (it->is_number()) {
    // Casting a float outside int64's range is undefined (fuzz/token_json); no real lifetime is near it.
    double d = it->get<double>();
    if (!(d > -1e18 && d < 1e18)) return false;
    *out = static_cast<int64_t>(d);
    return true;
  }
  return it->is_string() && ParseInt(it->get<std::string>(), out);
}

std::string JsonString(const Json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Long descriptions end with trace and correlation ids over several lines; the first line says it all.
std::string FirstLine(std::string s) {
  size_t nl = s.find_first_of("\r\n");
  if (nl != std::string::npos) s.resize(nl);
  constexpr size_t kMax = 400;
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

}  // namespace

std::string FormEncode(const FormFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += Encode(name) + "=" + Encode(value);
  }
  return out;
}

std::string ScopeToResource(std::string_view scope) {
  constexpr std::string_view kDefault = "/.default";
  if (scope.size() >= kDefault.size() && scope.substr(scope.size() - kDefault.size()) == kDefault) {
    return std::string(scope.substr(0, scope.size() - kDefault.size() + 1));  // keeps the trailing '/'
  }
  return std::string(scope);
}

http::RetryPolicy TokenRetryPolicy() {
  http::RetryPolicy p;
  p.max_attempts = 4;
  p.base_delay = std::chrono::milliseconds(1000);
  p.max_delay = std::chrono::milliseconds(8000);
  p.max_retry_after = std::chrono::milliseconds(60'000);
  return p;
}

Result<AccessToken> FetchToken(http::Client& http, const http::Request& request, std::string_view who,
                               const http::RetryPolicy& retry) {
  Result<http::Response> r = http::SendWithRetry(retry, [&] { return http.Send(request); });
  if (!r.ok()) return r.status().Annotate(who);
  if (r->status != 200) return TokenEndpointError(who, *r);
  return ParseTokenResponse(r->BodyText(), SystemNow(), who);
}

Result<AccessToken> ParseTokenResponse(std::string_view body, int64_t now, std::string_view who) {
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Status::Unavailable(who, "token endpoint answered 200 without a JSON object");
  AccessToken t;
  t.token = JsonString(doc, "access_token");
  if (t.token.empty()) return Status::Unavailable(who, "token endpoint answered 200 without an access_token");
  int64_t v = 0;
  if (JsonInt(doc, "expires_in", &v)) {
    t.expires_on = now + v;
  } else if (JsonInt(doc, "expires_on", &v)) {
    t.expires_on = v;
  } else {
    return Status::Unavailable(who, "token endpoint answered without expires_in or expires_on");
  }
  return t;
}

Status TokenEndpointError(std::string_view who, const http::Response& response) {
  const long status = response.status;
  std::string detail = "token request failed: HTTP " + std::to_string(status);
  Json doc = Json::parse(response.BodyText(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    std::string error = JsonString(doc, "error");
    std::string description = FirstLine(JsonString(doc, "error_description"));
    if (description.empty()) description = FirstLine(JsonString(doc, "message"));  // App Service, some IMDS
    if (!error.empty()) detail += " " + error;
    if (!description.empty()) detail += ": " + description;
  }
  if (status == 400 || status == 401 || status == 403) return Status::PermissionDenied(who, detail);
  if (status == 404) return Status(StatusCode::kUnauthenticated, who, detail);
  if (status == 408) return Status(StatusCode::kDeadlineExceeded, who, detail);
  if (status == 429) return Status::ResourceExhausted(who, detail + " (throttled)");
  if (status >= 500) return Status::Unavailable(who, detail);
  return Status::PermissionDenied(who, detail);
}

}  // namespace cv::backends::azure::identity
