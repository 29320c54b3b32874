#include "backends/azure/identity/managed_identity.h"

#include "backends/azure/identity/token_cache.h"

namespace cv::backends::azure::identity {
namespace {

// The selector's query parameter: IMDS and App Service spell resource and object ids differently.
void AddId(const ManagedIdentityId& id, bool app_service, FormFields* q) {
  switch (id.kind) {
    case ManagedIdentityId::Kind::kSystem:
      return;
    case ManagedIdentityId::Kind::kClientId:
      q->emplace_back("client_id", id.value);
      return;
    case ManagedIdentityId::Kind::kResourceId:
      q->emplace_back(app_service ? "mi_res_id" : "msi_res_id", id.value);
      return;
    case ManagedIdentityId::Kind::kObjectId:
      q->emplace_back(app_service ? "principal_id" : "object_id", id.value);
      return;
  }
}

}  // namespace

std::string ManagedIdentityId::Describe() const {
  switch (kind) {
    case Kind::kSystem:
      return "system-assigned";
    case Kind::kClientId:
      return "client id " + value;
    case Kind::kResourceId:
      return "resource id " + value;
    case Kind::kObjectId:
      return "object id " + value;
  }
  return {};
}

ImdsCredential::ImdsCredential(std::string host, ManagedIdentityId id, std::unique_ptr<http::Client> http,
                               bool probe, http::RetryPolicy retry)
    : host_(std::move(host)),
      id_(std::move(id)),
      http_(std::move(http)),
      probe_(probe),
      retry_(std::move(retry)) {
  while (!host_.empty() && host_.back() == '/') host_.pop_back();
}

std::string ImdsCredential::TokenUrl(std::string_view scope) const {
  FormFields q = {{"api-version", "2018-02-01"}, {"resource", ScopeToResource(scope)}};
  AddId(id_, /*app_service=*/false, &q);
  return host_ + "/metadata/identity/oauth2/token?" + FormEncode(q);
}

Result<AccessToken> ImdsCredential::GetToken(std::string_view scope) {
  http::Request req;
  req.url = TokenUrl(scope);
  req.headers = {{"Metadata", "true"}};
  if (probe_.load()) {
    Result<http::Response> first = http_->Send(req);
    if (!first.ok()) {
      return Status(StatusCode::kUnauthenticated, Name(),
                    "no managed identity endpoint answered at " + http::RedactUrl(req.url) + " (" +
                        first.status().message() + ")");
    }
    probe_ = false;
    if (first->status == 200) return ParseTokenResponse(first->BodyText(), SystemNow(), Name());
    if (first->status != 429 && first->status < 500) return TokenEndpointError(Name(), *first);
  }
  return FetchToken(*http_, req, Name(), retry_);
}

std::string AppServiceCredential::TokenUrl(std::string_view scope) const {
  FormFields q = {{"api-version", "2019-08-01"}, {"resource", ScopeToResource(scope)}};
  AddId(id_, /*app_service=*/true, &q);
  return endpoint_ + (endpoint_.find('?') == std::string::npos ? "?" : "&") + FormEncode(q);
}

Result<AccessToken> AppServiceCredential::GetToken(std::string_view scope) {
  http::Request req;
  req.url = TokenUrl(scope);
  req.headers = {{"X-IDENTITY-HEADER", header_}};
  return FetchToken(*http_, req, Name(), retry_);
}

}  // namespace cv::backends::azure::identity
