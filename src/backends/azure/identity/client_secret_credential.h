// src/backends/azure/identity/client_secret_credential.h — a service principal proving itself with a
// client secret. The secret comes from an environment variable (AZURE_CLIENT_SECRET, or
// the one vault.azure.client_secret_env names), never from the config file or argv.
#pragma once

#include <memory>
#include <string>

#include "backends/azure/identity/entra_app.h"

namespace cv::backends::azure::identity {

class ClientSecretCredential final : public TokenCredential {
 public:
  ClientSecretCredential(EntraApp app, std::string secret, std::unique_ptr<http::Client> http,
                         http::RetryPolicy retry = TokenRetryPolicy())
      : app_(std::move(app)), secret_(std::move(secret)), http_(std::move(http)), retry_(std::move(retry)) {}

  Result<AccessToken> GetToken(std::string_view scope) override {
    return RequestEntraToken(*http_, app_, {{"client_secret", secret_}}, scope, Name(), retry_);
  }
  std::string Name() const override {
    return "Azure identity 'client secret' (client " + app_.client_id + ")";
  }

 private:
  EntraApp app_;
  std::string secret_;  // Secret.
  std::unique_ptr<http::Client> http_;
  http::RetryPolicy retry_;
};

}  // namespace cv::backends::azure::identity
