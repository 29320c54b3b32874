// src/backends/azure/identity/managed_identity.h — the identity Azure attaches to the machine or app
// the backup runs on, asked of a local endpoint without any secret of ours:
//   ImdsCredential        VMs, scale sets, AKS nodes: GET {host}/metadata/identity/oauth2/token
//                         ?api-version=2018-02-01&resource=… with `Metadata: true`; host
//                         http://169.254.169.254, or AZURE_POD_IDENTITY_AUTHORITY_HOST as in the SDKs.
//   AppServiceCredential  App Service, Functions, Container Apps: GET {IDENTITY_ENDPOINT}
//                         ?api-version=2019-08-01&resource=… with `X-IDENTITY-HEADER: {IDENTITY_HEADER}`.
// A user-assigned identity is chosen by client id, resource id or object id; none = the system one.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "backends/azure/identity/token_endpoint.h"

namespace cv::backends::azure::identity {

inline constexpr std::string_view kImdsHost = "http://169.254.169.254";

struct ManagedIdentityId {
  enum class Kind { kSystem, kClientId, kResourceId, kObjectId };
  Kind kind = Kind::kSystem;
  std::string value;
  std::string Describe() const;  // "system-assigned", "client id 1111…"
};

class ImdsCredential final : public TokenCredential {
 public:
  // `probe`: as in DefaultAzureCredential, the first request gets no retries, and no answer at all
  // means "not on Azure" (Unauthenticated) rather than an outage; the http client should have a short
  // connect timeout for it. Once IMDS has answered, requests are retried as usual.
  ImdsCredential(std::string host, ManagedIdentityId id, std::unique_ptr<http::Client> http, bool probe,
                 http::RetryPolicy retry = TokenRetryPolicy());
  Result<AccessToken> GetToken(std::string_view scope) override;
  std::string Name() const override {
    return "Azure identity 'managed identity' (IMDS, " + id_.Describe() + ")";
  }

  std::string TokenUrl(std::string_view scope) const;

 private:
  std::string host_;
  ManagedIdentityId id_;
  std::unique_ptr<http::Client> http_;
  std::atomic<bool> probe_;
  http::RetryPolicy retry_;
};

class AppServiceCredential final : public TokenCredential {
 public:
  AppServiceCredential(std::string endpoint, std::string header, ManagedIdentityId id,
                       std::unique_ptr<http::Client> http, http::RetryPolicy retry = TokenRetryPolicy())
      : endpoint_(std::move(endpoint)),
        header_(std::move(header)),
        id_(std::move(id)),
        http_(std::move(http)),
        retry_(std::move(retry)) {}
  Result<AccessToken> GetToken(std::string_view scope) override;
  std::string Name() const override {
    return "Azure identity 'managed identity' (App Service, " + id_.Describe() + ")";
  }

  std::string TokenUrl(std::string_view scope) const;

 private:
  std::string endpoint_;
  std::string header_;  // IDENTITY_HEADER. Secret.
  ManagedIdentityId id_;
  std::unique_ptr<http::Client> http_;
  http::RetryPolicy retry_;
};

}  // namespace cv::backends::azure::identity
