// src/backends/azure/identity/client_certificate_credential.h — a service principal proving itself with
// a certificate: each token request carries a fresh client assertion signed with the certificate's key.
// The PEM file (certificate + key) is read once, when the credential is made.
#pragma once

#include <memory>
#include <string>

#include "backends/azure/identity/client_assertion.h"
#include "backends/azure/identity/entra_app.h"
#include "backends/azure/identity/token_cache.h"

namespace cv::backends::azure::identity {

class ClientCertificateCredential final : public TokenCredential {
 public:
  ClientCertificateCredential(EntraApp app, ClientCertificate cert, std::unique_ptr<http::Client> http,
                              http::RetryPolicy retry = TokenRetryPolicy())
      : app_(std::move(app)), cert_(std::move(cert)), http_(std::move(http)), retry_(std::move(retry)) {}

  Result<AccessToken> GetToken(std::string_view scope) override {
    CV_ASSIGN_OR_RETURN(std::string assertion,
                        BuildClientAssertion(cert_, app_.TokenUrl(), app_.client_id, SystemNow()));
    return RequestEntraToken(*http_, app_,
                             {{"client_assertion_type", std::string(kJwtBearerAssertion)},
                              {"client_assertion", std::move(assertion)}},
                             scope, Name(), retry_);
  }
  std::string Name() const override {
    return "Azure identity 'client certificate' (client " + app_.client_id + ")";
  }

 private:
  EntraApp app_;
  ClientCertificate cert_;
  std::unique_ptr<http::Client> http_;
  http::RetryPolicy retry_;
};

}  // namespace cv::backends::azure::identity
