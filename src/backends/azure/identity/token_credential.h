// src/backends/azure/identity/token_credential.h — where an Entra ID (Azure AD) access token comes from.
//
// One small class per identity kind (client secret, client certificate, workload identity, managed
// identity on a VM or in App Service, the Azure CLI) implements TokenCredential; CachedCredential keeps a
// token until shortly before it expires, and ChainedCredential tries kinds in DefaultAzureCredential's
// order. Tokens are secrets: no class here logs or formats one, and no message carries one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cv::backends::azure::identity {

// Scope (v2 endpoints) and resource (v1: IMDS, App Service, the CLI) of Azure Storage.
inline constexpr std::string_view kStorageScope = "https://storage.azure.com/.default";
inline constexpr std::string_view kStorageResource = "https://storage.azure.com/";

struct AccessToken {
  std::string token;       // the bearer token. Secret.
  int64_t expires_on = 0;  // unix seconds
};

class TokenCredential {
 public:
  virtual ~TokenCredential() = default;
  TokenCredential() = default;
  TokenCredential(const TokenCredential&) = delete;
  TokenCredential& operator=(const TokenCredential&) = delete;

  // A fresh token for `scope` (a v2 scope; kinds that speak v1 turn it into a resource). Failures are
  // Unauthenticated (no usable credential here), PermissionDenied (the identity provider refused it),
  // Unavailable (the endpoint is unreachable or failing), each naming the kind.
  virtual Result<AccessToken> GetToken(std::string_view scope) = 0;

  // "client secret", "managed identity (IMDS)", ...: for messages and the chain's report.
  virtual std::string Name() const = 0;
};

// "https://storage.azure.com/.default" -> "https://storage.azure.com/" (what v1 endpoints want).
std::string ScopeToResource(std::string_view scope);

}  // namespace cv::backends::azure::identity
