#include "backends/azure/identity/azure_cli_credential.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "backends/azure/identity/child_process.h"
#include "backends/azure/identity/token_endpoint.h"

namespace cv::backends::azure::identity {
namespace {

// The last non-empty line of az's stderr ("ERROR: Please run 'az login' to setup account.").
std::string LastLine(const std::string& text) {
  std::string last;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) last = line;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  if (last.size() > 300) last = last.substr(0, 300) + "...";
  return last;
}

bool IsTenantChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

}  // namespace

Result<AccessToken> ParseAzCliOutput(std::string_view json, std::string_view who) {
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("accessToken") || !doc["accessToken"].is_string()) {
    return Status::Unavailable(who, "`az account get-access-token` printed no accessToken");
  }
  AccessToken t;
  t.token = doc["accessToken"].get<std::string>();
  // An integer only: get<int64_t>() casts a float unchecked (fuzz/token_json); a float falls back to
  // expiresOn.
  if (auto it = doc.find("expires_on"); it != doc.end() && (it->is_number_integer() || it->is_string())) {
    if (it->is_number_integer()) {
      t.expires_on = it->get<int64_t>();
      return t;
    }
    try {
      t.expires_on = std::stoll(it->get<std::string>());
      return t;
    } catch (const std::exception&) {
      // fall through to expiresOn
    }
  }
  if (auto it = doc.find("expiresOn"); it != doc.end() && it->is_string()) {
    std::tm tm{};
    if (strptime(it->get<std::string>().c_str(), "%Y-%m-%d %H:%M:%S", &tm) != nullptr) {
      tm.tm_isdst = -1;  // az prints local time
      t.expires_on = static_cast<int64_t>(std::mktime(&tm));
      return t;
    }
  }
  return Status::Unavailable(who, "`az account get-access-token` printed no usable expires_on/expiresOn");
}

Result<AccessToken> AzureCliCredential::GetToken(std::string_view scope) {
  std::vector<std::string> argv = {
      program_, "account", "get-access-token", "--resource", ScopeToResource(scope), "-o", "json"};
  if (!tenant_.empty()) {
    for (char c : tenant_) {
      if (!IsTenantChar(c))
        return Status::InvalidArgument(Name(), "tenant id '" + tenant_ + "' is malformed");
    }
    argv.insert(argv.end(), {"--tenant", tenant_});
  }
  Result<ChildResult> r = RunChild(argv, timeout_);
  if (!r.ok()) {
    if (r.status().IsNotFound()) {
      return Status(StatusCode::kUnauthenticated, Name(),
                    "the Azure CLI (" + program_ + ") is not installed");
    }
    return r.status().Annotate(Name());
  }
  if (r->exit_code != 0) {
    std::string why = LastLine(r->err);
    return Status(StatusCode::kUnauthenticated, Name(),
                  "`az account get-access-token` failed (exit " + std::to_string(r->exit_code) + ")" +
                      (why.empty() ? std::string() : ": " + why) + "; run `az login`");
  }
  return ParseAzCliOutput(r->out, Name());
}

}  // namespace cv::backends::azure::identity
