#include "backends/azure/keyvault/key_vault_client.h"

#include <openssl/crypto.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "backends/azure/keyvault/base64url.h"
#include "backends/azure/keyvault/challenge.h"

namespace cv::backends::azure::keyvault {
namespace {

using json = nlohmann::json;

constexpr int kMaxPages = 10'000;

bool IsNameChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool IsName(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// scheme://host[:port] of a URL, lowercased scheme and host.
std::string Origin(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  size_t end = url.find_first_of("/?#", scheme + 3);
  std::string out(url.substr(0, end));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.size() > 4 && out.ends_with(":443") && out.rfind("https://", 0) == 0) out.resize(out.size() - 4);
  return out;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s.substr(0, 200)) + "'"; }

// The RBAC data action matching an access-policy permission, for messages.
std::string RbacHint(std::string_view permission) {
  if (permission == "keys/get" || permission == "keys/list")
    return "Microsoft.KeyVault/vaults/keys/read (e.g. role Key Vault Crypto Service Encryption User)";
  if (permission == "keys/wrapKey")
    return "Microsoft.KeyVault/vaults/keys/wrap/action (e.g. role Key Vault Crypto Service Encryption User)";
  if (permission == "keys/unwrapKey")
    return "Microsoft.KeyVault/vaults/keys/unwrap/action (e.g. role Key Vault Crypto Service Encryption "
           "User)";
  if (permission == "keys/sign")
    return "Microsoft.KeyVault/vaults/keys/sign/action (e.g. role Key Vault Crypto User)";
  return "the matching Key Vault data action";
}

// {"error":{"code":..., "message":..., "innererror":{"code":...}}}: code, inner code, message (bounded).
struct ServiceError {
  std::string code, inner, message;
};
ServiceError ParseError(std::string_view body) {
  ServiceError e;
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return e;
  const json& err = j["error"];
  if (err.contains("code") && err["code"].is_string()) e.code = err["code"].get<std::string>();
  if (err.contains("message") && err["message"].is_string()) e.message = err["message"].get<std::string>();
  if (err.contains("innererror") && err["innererror"].is_object() && err["innererror"].contains("code") &&
      err["innererror"]["code"].is_string()) {
    e.inner = err["innererror"]["code"].get<std::string>();
  }
  if (e.message.size() > 300) e.message.resize(300);
  return e;
}

bool Contains(std::string_view hay, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    bool eq = true;
    for (size_t k = 0; k < needle.size() && eq; ++k) {
      eq = std::tolower(static_cast<unsigned char>(hay[i + k])) ==
           std::tolower(static_cast<unsigned char>(needle[k]));
    }
    if (eq) return true;
  }
  return false;
}

Result<json> ParseJson(const http::Response& r, std::string_view what) {
  json j = json::parse(r.BodyText(), nullptr, false);
  if (!j.is_object()) return Status::Corruption(what, "the answer is not a JSON object");
  return j;
}

Result<std::string> StringField(const json& j, std::string_view field, std::string_view what) {
  auto it = j.find(std::string(field));
  if (it == j.end() || !it->is_string()) {
    return Status::Corruption(what, "the answer has no string field '" + std::string(field) + "'");
  }
  return it->get<std::string>();
}

void Attributes(const json& j, bool* enabled, int64_t* created, int64_t* updated) {
  auto a = j.find("attributes");
  if (a == j.end() || !a->is_object()) return;
  if (a->contains("enabled") && (*a)["enabled"].is_boolean()) *enabled = (*a)["enabled"].get<bool>();
  if (a->contains("created") && (*a)["created"].is_number_integer())
    *created = (*a)["created"].get<int64_t>();
  if (a->contains("updated") && (*a)["updated"].is_number_integer())
    *updated = (*a)["updated"].get<int64_t>();
}

}  // namespace

Result<KeyId> ParseKid(std::string_view kid) {
  auto bad = [&] {
    return Status::InvalidArgument("Key Vault key id " + Quoted(kid),
                                   "not of the form https://NAME.vault.azure.net/keys/KEY[/VERSION]");
  };
  KeyId id;
  id.vault_url = Origin(kid);
  if (id.vault_url.rfind("https://", 0) != 0 || UrlHost(id.vault_url).empty()) return bad();
  size_t path_at = kid.find('/', kid.find("://") + 3);
  if (path_at == std::string_view::npos) return bad();
  std::string_view path = kid.substr(path_at);
  if (path.find_first_of("?#") != std::string_view::npos || path.rfind("/keys/", 0) != 0) return bad();
  path.remove_prefix(6);
  size_t slash = path.find('/');
  id.name = path.substr(0, slash);
  if (slash != std::string_view::npos) id.version = path.substr(slash + 1);
  if (!IsName(id.name, 127) || (slash != std::string_view::npos && !IsName(id.version, 64))) return bad();
  return id;
}

Result<KeyBundle> ParseKeyBundle(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("key") || !j["key"].is_object()) {
    return Status::Corruption(what, "the answer is not a key bundle (no 'key' object)");
  }
  const json& k = j["key"];
  KeyBundle b;
  CV_ASSIGN_OR_RETURN(b.kid, StringField(k, "kid", what));
  CV_ASSIGN_OR_RETURN(b.kty, StringField(k, "kty", what));
  if (k.contains("key_ops") && k["key_ops"].is_array()) {
    for (const auto& op : k["key_ops"]) {
      if (op.is_string()) b.key_ops.push_back(op.get<std::string>());
    }
  }
  if (b.kty == "RSA" || b.kty == "RSA-HSM") {
    CV_ASSIGN_OR_RETURN(std::string n, StringField(k, "n", what));
    CV_ASSIGN_OR_RETURN(std::string e, StringField(k, "e", what));
    CV_ASSIGN_OR_RETURN(b.n, Base64AnyDecode(n, std::string(what) + " (key n)"));
    CV_ASSIGN_OR_RETURN(b.e, Base64AnyDecode(e, std::string(what) + " (key e)"));
  }
  Attributes(j, &b.enabled, &b.created, &b.updated);
  return b;
}

Result<std::vector<KeyVersionInfo>> ParseVersionsPage(std::string_view text, std::string* next_link,
                                                      std::string_view what) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("value") || !j["value"].is_array()) {
    return Status::Corruption(what, "the answer is not a list of key versions (no 'value' array)");
  }
  std::vector<KeyVersionInfo> out;
  for (const auto& item : j["value"]) {
    if (!item.is_object()) return Status::Corruption(what, "a listed key version is not an object");
    KeyVersionInfo v;
    CV_ASSIGN_OR_RETURN(v.kid, StringField(item, "kid", what));
    Attributes(item, &v.enabled, &v.created, &v.updated);
    out.push_back(std::move(v));
  }
  next_link->clear();
  if (j.contains("nextLink") && j["nextLink"].is_string()) *next_link = j["nextLink"].get<std::string>();
  return out;
}

KeyVaultClient::KeyVaultClient(KeyVaultOptions options, std::unique_ptr<http::Client> http,
                               std::unique_ptr<identity::CachedCredential> credential)
    : options_(std::move(options)), http_(std::move(http)), credential_(std::move(credential)) {
  // One spelling (lowercase, no :443, no trailing '/'), so that kids and nextLinks compare equal to it.
  if (std::string origin = Origin(options_.vault_url); !origin.empty()) options_.vault_url = origin;
}

std::string KeyVaultClient::Url(std::string_view path) const {
  return options_.vault_url + std::string(path) + "?api-version=" + options_.api_version;
}

std::string KeyVaultClient::Subject(std::string_view name, std::string_view version) const {
  std::string s = "Azure Key Vault " + options_.vault_url + " key " + std::string(name);
  if (!version.empty()) s += " version " + std::string(version);
  return s;
}

Status KeyVaultClient::CheckName(std::string_view name, std::string_view version) const {
  if (!IsName(name, 127)) {
    return Status::InvalidArgument("Azure Key Vault key name " + Quoted(name),
                                   "1 to 127 letters, digits and dashes");
  }
  if (!version.empty() && !IsName(version, 64)) {
    return Status::InvalidArgument("Azure Key Vault key version " + Quoted(version),
                                   "letters and digits only");
  }
  return Status::OK();
}

Result<http::Response> KeyVaultClient::SendOnce(const Call& call, bool with_token, std::string* token_used) {
  std::string scope;
  {
    std::lock_guard<std::mutex> lock(mu_);
    scope = scope_;
  }
  std::string body = with_token ? call.body : std::string();
  auto attempt = [&]() -> Result<http::Response> {
    http::Request req;
    req.method = call.method;
    req.url = call.url;
    req.headers.push_back({"Accept", "application/json"});
    if (call.method == "POST" || call.method == "PUT")
      req.headers.push_back({"Content-Type", "application/json"});
    if (with_token) {
      CV_ASSIGN_OR_RETURN(identity::AccessToken token, credential_->GetToken(scope));
      *token_used = token.token;
      req.headers.push_back({"Authorization", "Bearer " + token.token});
    }
    req.body = crypto::AsBytes(body);
    return http_->Send(req);
  };
  auto r = http::SendWithRetry(options_.retry, attempt);
  OPENSSL_cleanse(body.data(), body.size());
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kUnavailable || r.status().code() == StatusCode::kDeadlineExceeded) {
      return Status::Unavailable(call.subject, "cannot reach Key Vault: " + r.status().message());
    }
    return r.status().Annotate(call.subject);
  }
  return r;
}

Status KeyVaultClient::LearnChallenge(const Call& call, const http::Response& r) {
  std::string_view header = r.Find("WWW-Authenticate");
  if (header.empty()) {
    return Status(StatusCode::kUnauthenticated, call.subject,
                  "Key Vault answered 401 without a WWW-Authenticate bearer challenge");
  }
  CV_ASSIGN_OR_RETURN(Challenge c, ParseChallenge(header));
  CV_RETURN_IF_ERROR(CheckChallengeHost(call.url, c));
  std::lock_guard<std::mutex> lock(mu_);
  scope_ = c.scope;
  return Status::OK();
}

Result<http::Response> KeyVaultClient::Send(const Call& call) {
  // Every token goes only to this vault's origin, whatever a kid or a nextLink says.
  if (Origin(call.url) != Origin(options_.vault_url)) {
    return Status::PermissionDenied(call.subject, "refusing to send a token to " + http::RedactUrl(call.url) +
                                                      ", which is not the configured vault " +
                                                      options_.vault_url);
  }
  bool have_scope;
  {
    std::lock_guard<std::mutex> lock(mu_);
    have_scope = !scope_.empty();
  }
  std::string token;
  if (!have_scope) {
    // The first request goes without a token and without its body: the vault answers with the challenge
    // that says which token it takes.
    CV_ASSIGN_OR_RETURN(http::Response probe, SendOnce(call, /*with_token=*/false, &token));
    if (probe.status != 401) {
      if (probe.status >= 400) return MapError(call, probe);
      return Status(StatusCode::kUnauthenticated, call.subject,
                    "answered " + std::to_string(probe.status) +
                        " to a request without a token instead of a 401 bearer challenge: is " +
                        options_.vault_url + " an Azure Key Vault?");
    }
    CV_RETURN_IF_ERROR(LearnChallenge(call, probe));
  }
  CV_ASSIGN_OR_RETURN(http::Response r, SendOnce(call, /*with_token=*/true, &token));
  if (r.status == 401) {
    // The token was refused (expired early, revoked) or the vault now names another resource: learn the
    // challenge again and try once with a fresh token.
    CV_RETURN_IF_ERROR(LearnChallenge(call, r));
    credential_->Invalidate(token);
    CV_ASSIGN_OR_RETURN(r, SendOnce(call, /*with_token=*/true, &token));
  }
  OPENSSL_cleanse(token.data(), token.size());
  if (r.status >= 300) return MapError(call, r);
  return r;
}

Status KeyVaultClient::MapError(const Call& call, const http::Response& r) const {
  ServiceError e = ParseError(r.BodyText());
  std::string said =
      e.code.empty() ? "" : " (" + e.code + (e.inner.empty() ? "" : "/" + e.inner) + ": " + e.message + ")";
  switch (r.status) {
    case 401:
      return Status(StatusCode::kUnauthenticated, call.subject,
                    "the token of " + credential_->Name() + " was refused" + said +
                        "; check that the identity belongs to the vault's tenant and the token is for " +
                        "https://vault.azure.net");
    case 403:
      if (e.inner == "KeyDisabled" || Contains(e.message, "disabled")) {
        return Status::PermissionDenied(call.subject, "this key version is disabled in Key Vault" + said +
                                                          "; enable it again (attributes.enabled) to use it");
      }
      return Status::PermissionDenied(call.subject, "this identity (" + credential_->Name() +
                                                        ") may not use it: permission " + call.permission +
                                                        " is missing" + said + "; grant " + call.permission +
                                                        " (access policy) or " + RbacHint(call.permission));
    case 404:
      return Status::NotFound(call.subject, "no such key or version in the vault" + said);
    case 400:
      return Status::InvalidArgument(call.subject, "Key Vault refused the request" + said);
    case 429:
      return Status::ResourceExhausted(call.subject,
                                       "Key Vault is throttling this identity (429) after retries");
    default:
      if (r.status >= 500) {
        return Status::Unavailable(
            call.subject, "Key Vault answered " + std::to_string(r.status) + " after retries" + said);
      }
      return Status::Internal(call.subject, "unexpected HTTP status " + std::to_string(r.status) + said);
  }
}

Result<KeyBundle> KeyVaultClient::GetKey(std::string_view name, std::string_view version) {
  CV_RETURN_IF_ERROR(CheckName(name, version));
  std::string path = "/keys/" + std::string(name);
  if (!version.empty()) path += "/" + std::string(version);
  Call call{"GET", Url(path), "", "keys/get", Subject(name, version)};
  CV_ASSIGN_OR_RETURN(http::Response r, Send(call));
  return ParseKeyBundle(r.BodyText(), call.subject);
}

Result<std::vector<KeyVersionInfo>> KeyVaultClient::ListVersions(std::string_view name) {
  CV_RETURN_IF_ERROR(CheckName(name, ""));
  std::vector<KeyVersionInfo> all;
  std::string url = Url("/keys/" + std::string(name) + "/versions") + "&maxresults=25";
  for (int page = 0; !url.empty(); ++page) {
    if (page == kMaxPages) {
      return Status::Corruption(Subject(name, ""),
                                "more than " + std::to_string(kMaxPages) + " pages of versions");
    }
    Call call{"GET", url, "", "keys/list", Subject(name, "")};
    CV_ASSIGN_OR_RETURN(http::Response r, Send(call));
    std::string next;
    CV_ASSIGN_OR_RETURN(auto items, ParseVersionsPage(r.BodyText(), &next, call.subject));
    for (auto& v : items) all.push_back(std::move(v));
    if (next == url)
      return Status::Corruption(call.subject, "the versions' nextLink points at the same page");
    url = next;  // verbatim: it carries its own api-version and $skiptoken
  }
  return all;
}

Result<KeyOperationResult> KeyVaultClient::WrapKey(std::string_view name, std::string_view version,
                                                   std::string_view alg, crypto::ByteView plain) {
  CV_RETURN_IF_ERROR(CheckName(name, version));
  if (version.empty()) return Status::InvalidArgument(Subject(name, ""), "wrapkey needs an explicit version");
  json body = {{"alg", alg}, {"value", Base64UrlEncode(plain)}};
  Call call{"POST", Url("/keys/" + std::string(name) + "/" + std::string(version) + "/wrapkey"), body.dump(),
            "keys/wrapKey", Subject(name, version)};
  std::string& v = body["value"].get_ref<std::string&>();
  OPENSSL_cleanse(v.data(), v.size());
  auto r = Send(call);
  OPENSSL_cleanse(call.body.data(), call.body.size());
  if (!r.ok()) return r.status();
  CV_ASSIGN_OR_RETURN(json j, ParseJson(*r, call.subject));
  KeyOperationResult out;
  CV_ASSIGN_OR_RETURN(out.kid, StringField(j, "kid", call.subject));
  CV_ASSIGN_OR_RETURN(std::string value, StringField(j, "value", call.subject));
  CV_ASSIGN_OR_RETURN(out.value, Base64AnyDecode(value, call.subject + " (wrapped value)"));
  return out;
}

Result<crypto::SecretBytes> KeyVaultClient::UnwrapKey(std::string_view name, std::string_view version,
                                                      std::string_view alg, crypto::ByteView wrapped) {
  CV_RETURN_IF_ERROR(CheckName(name, version));
  if (version.empty())
    return Status::InvalidArgument(Subject(name, ""), "unwrapkey needs an explicit version");
  json body = {{"alg", alg}, {"value", Base64UrlEncode(wrapped)}};
  Call call{"POST", Url("/keys/" + std::string(name) + "/" + std::string(version) + "/unwrapkey"),
            body.dump(), "keys/unwrapKey", Subject(name, version)};
  CV_ASSIGN_OR_RETURN(http::Response r, Send(call));
  json j = json::parse(r.BodyText(), nullptr, false);
  OPENSSL_cleanse(r.body.data(), r.body.size());
  if (!j.is_object() || !j.contains("value") || !j["value"].is_string()) {
    return Status::Corruption(call.subject, "the unwrapkey answer has no 'value'");
  }
  std::string& text = j["value"].get_ref<std::string&>();
  auto plain = Base64AnyDecode(text, call.subject + " (unwrapped value)");
  OPENSSL_cleanse(text.data(), text.size());
  if (!plain.ok()) return plain.status();
  crypto::SecretBytes out(*plain);
  OPENSSL_cleanse(plain->data(), plain->size());
  return out;
}

Result<KeyOperationResult> KeyVaultClient::Sign(std::string_view name, std::string_view version,
                                                std::string_view alg, crypto::ByteView digest) {
  CV_RETURN_IF_ERROR(CheckName(name, version));
  if (version.empty()) return Status::InvalidArgument(Subject(name, ""), "sign needs an explicit version");
  json body = {{"alg", alg}, {"value", Base64UrlEncode(digest)}};
  Call call{"POST", Url("/keys/" + std::string(name) + "/" + std::string(version) + "/sign"), body.dump(),
            "keys/sign", Subject(name, version)};
  CV_ASSIGN_OR_RETURN(http::Response r, Send(call));
  CV_ASSIGN_OR_RETURN(json j, ParseJson(r, call.subject));
  KeyOperationResult out;
  CV_ASSIGN_OR_RETURN(out.kid, StringField(j, "kid", call.subject));
  CV_ASSIGN_OR_RETURN(std::string value, StringField(j, "value", call.subject));
  CV_ASSIGN_OR_RETURN(out.value, Base64AnyDecode(value, call.subject + " (signature)"));
  return out;
}

}  // namespace cv::backends::azure::keyvault
