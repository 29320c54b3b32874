#include "backends/azure/identity/entra_app.h"

namespace cv::backends::azure::identity {
namespace {

// Tenant ids are GUIDs or domain names; anything else would change the URL's path.
bool IsTenantChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

}  // namespace

std::string EntraApp::TokenUrl() const {
  std::string base = authority_host.empty() ? std::string(kDefaultAuthorityHost) : authority_host;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + tenant_id + "/oauth2/v2.0/token";
}

Status CheckEntraApp(const EntraApp& app, std::string_view who) {
  if (app.tenant_id.empty()) {
    return Status(StatusCode::kUnauthenticated, who,
                  "no tenant id: set vault.azure.tenant_id or AZURE_TENANT_ID");
  }
  for (char c : app.tenant_id) {
    if (!IsTenantChar(c)) {
      return Status::InvalidArgument(who, "tenant id '" + app.tenant_id + "' is not a GUID or domain name");
    }
  }
  if (app.client_id.empty()) {
    return Status(StatusCode::kUnauthenticated, who,
                  "no client id: set vault.azure.client_id or AZURE_CLIENT_ID");
  }
  if (!app.authority_host.empty() && app.authority_host.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(who, "authority host '" + app.authority_host +
                                            "' is not an https:// URL; credentials are only sent over TLS");
  }
  return Status::OK();
}

Result<AccessToken> RequestEntraToken(http::Client& http, const EntraApp& app, const FormFields& proof,
                                      std::string_view scope, std::string_view who,
                                      const http::RetryPolicy& retry) {
  FormFields form = {
      {"grant_type", "client_credentials"}, {"client_id", app.client_id}, {"scope", std::string(scope)}};
  form.insert(form.end(), proof.begin(), proof.end());
  const std::string body = FormEncode(form);
  http::Request req;
  req.method = "POST";
  req.url = app.TokenUrl();
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  req.body = {reinterpret_cast<const uint8_t*>(body.data()), body.size()};
  return FetchToken(http, req, who, retry);
}

}  // namespace cv::backends::azure::identity
