// src/backends/azure/identity/entra_app.h — an app registration asking Entra ID for a token with the
// client-credentials grant: POST {authority}/{tenant}/oauth2/v2.0/token, form grant_type, client_id,
// scope, plus the proof (a secret, a signed assertion, or a federated token).
#pragma once

#include <string>
#include <string_view>

#include "backends/azure/identity/token_endpoint.h"

namespace cv::backends::azure::identity {

inline constexpr std::string_view kDefaultAuthorityHost = "https://login.microsoftonline.com/";
inline constexpr std::string_view kJwtBearerAssertion =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct EntraApp {
  std::string authority_host;  // https://login.microsoftonline.com/ (empty = that), or a sovereign cloud's
  std::string tenant_id;
  std::string client_id;

  // "{authority}/{tenant}/oauth2/v2.0/token": the URL posted to, and a client assertion's audience.
  std::string TokenUrl() const;
};

// InvalidArgument naming `who` when the tenant or client id is missing or malformed, or the authority is
// not https (a secret or assertion never travels in clear text, as the Azure SDKs insist).
Status CheckEntraApp(const EntraApp& app, std::string_view who);

// One client-credentials token request; `proof` holds client_secret or the client_assertion pair.
Result<AccessToken> RequestEntraToken(http::Client& http, const EntraApp& app, const FormFields& proof,
                                      std::string_view scope, std::string_view who,
                                      const http::RetryPolicy& retry);

}  // namespace cv::backends::azure::identity
