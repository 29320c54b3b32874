// src/backends/azure/identity/workload_identity_credential.h — AKS workload identity: the
// Kubernetes service-account token in AZURE_FEDERATED_TOKEN_FILE is the client assertion. The file is
// read again for every token request, because the kubelet rotates it (about hourly).
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "backends/azure/identity/entra_app.h"

namespace cv::backends::azure::identity {

class WorkloadIdentityCredential final : public TokenCredential {
 public:
  WorkloadIdentityCredential(EntraApp app, std::string token_file, std::unique_ptr<http::Client> http,
                             http::RetryPolicy retry = TokenRetryPolicy())
      : app_(std::move(app)),
        file_(std::move(token_file)),
        http_(std::move(http)),
        retry_(std::move(retry)) {}

  Result<AccessToken> GetToken(std::string_view scope) override {
    std::ifstream in(file_, std::ios::binary);
    if (!in) {
      return Status::FromErrno(errno, Name(),
                               "federated token file " + file_ + " (AZURE_FEDERATED_TOKEN_FILE)");
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string assertion = ss.str();
    while (!assertion.empty() &&
           (assertion.back() == '\n' || assertion.back() == '\r' || assertion.back() == ' ')) {
      assertion.pop_back();
    }
    if (assertion.empty()) {
      return Status(StatusCode::kUnauthenticated, Name(), "federated token file " + file_ + " is empty");
    }
    return RequestEntraToken(*http_, app_,
                             {{"client_assertion_type", std::string(kJwtBearerAssertion)},
                              {"client_assertion", std::move(assertion)}},
                             scope, Name(), retry_);
  }
  std::string Name() const override {
    return "Azure identity 'workload identity' (client " + app_.client_id + ")";
  }

 private:
  EntraApp app_;
  std::string file_;
  std::unique_ptr<http::Client> http_;
  http::RetryPolicy retry_;
};

}  // namespace cv::backends::azure::identity
