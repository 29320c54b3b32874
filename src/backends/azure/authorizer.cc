#include "backends/azure/authorizer.h"

#include <functional>
#include <nlohmann/json.hpp>

#include "crypto/crypto.h"
#include "http/request_ids.h"

namespace cv::backends::azure {

Status SharedKeyAuthorizer::Authorize(RequestToSign& r) {
  std::string to_sign = StringToSign(r.method, r.content_length, r.headers, r.account, r.path, r.query);
  r.headers.push_back({"Authorization", SharedKeyAuthorization(r.account, key_, to_sign)});
  return Status::OK();
}

std::string SharedKeyAuthorizer::CheckHint(std::string_view account) const {
  return "AZURE_STORAGE_KEY is a key of storage account '" + std::string(account) +
         "' and that this machine's clock is within 15 minutes";
}

SasAuthorizer::SasAuthorizer(std::string token, std::string source)
    : token_(std::move(token)), source_(std::move(source)) {
  if (!token_.empty() && token_.front() == '?') token_.erase(0, 1);
}

Status SasAuthorizer::Authorize(RequestToSign& r) {
  r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + token_;
  return Status::OK();
}

std::string SasAuthorizer::CheckHint(std::string_view account) const {
  return "the SAS token in " + source_ + " was signed for storage account '" + std::string(account) +
         "', has not expired (se=) and allows this operation (sp=)";
}

Status BearerAuthorizer::Authorize(RequestToSign& r) {
  CV_ASSIGN_OR_RETURN(identity::AccessToken token, credential_->GetToken(scope_));
  r.headers.push_back({"Authorization", "Bearer " + token.token});
  if (size_t h = std::hash<std::string>{}(token.token); noted_.exchange(h) != h) NoteTokenClaims(token.token);
  return Status::OK();
}

void NoteTokenClaims(std::string_view token) {
  const size_t a = token.find('.'), b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || b - a - 1 > 16384) return;
  std::string payload(token.substr(a + 1, b - a - 1));
  for (char& c : payload) c = c == '-' ? '+' : c == '_' ? '/' : c;  // base64url to base64
  while (payload.size() % 4 != 0) payload.push_back('=');
  auto bytes = crypto::Base64Decode(payload);
  if (!bytes.ok()) return;
  auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (!j.is_object()) return;
  auto text = [&](const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  http::CallerIdentity who{text("oid"), text("appid"), text("tid")};
  if (who.app_id.empty()) who.app_id = text("azp");  // v2.0 tokens name the client azp
  if (!who.object_id.empty() || !who.app_id.empty()) http::NoteCallerIdentity(who);
}

bool BearerAuthorizer::Invalidate(const std::vector<http::Header>& sent_headers) {
  constexpr std::string_view kPrefix = "Bearer ";
  for (const auto& h : sent_headers) {
    if (h.name == "Authorization" && h.value.rfind(kPrefix, 0) == 0) {
      credential_->Invalidate(h.value.substr(kPrefix.size()));
      return true;
    }
  }
  return false;
}

std::string BearerAuthorizer::CheckHint(std::string_view account) const {
  return credential_->Name() + " is meant for storage account '" + std::string(account) +
         "' (token audience https://storage.azure.com) and the token is within its lifetime";
}

}  // namespace cv::backends::azure
