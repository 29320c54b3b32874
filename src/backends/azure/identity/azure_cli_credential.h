// src/backends/azure/identity/azure_cli_credential.h — the token of whoever ran `az login` on this
// machine: `az account get-access-token --resource https://storage.azure.com/ -o json [--tenant T]`, run
// without a shell, stdin closed, killed after 30 s. Meant for an operator's workstation; servers use one
// of the other kinds. Missing `az` is Unauthenticated ("not available here"), so the chain moves on.
#pragma once

#include <chrono>
#include <string>

#include "backends/azure/identity/token_credential.h"

namespace cv::backends::azure::identity {

class AzureCliCredential final : public TokenCredential {
 public:
  explicit AzureCliCredential(std::string tenant_id = {}, std::string program = "az",
                              std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : tenant_(std::move(tenant_id)), program_(std::move(program)), timeout_(timeout) {}
  Result<AccessToken> GetToken(std::string_view scope) override;
  std::string Name() const override { return "Azure identity 'Azure CLI'"; }

 private:
  std::string tenant_;
  std::string program_;
  std::chrono::milliseconds timeout_;
};

// What `az account get-access-token -o json` prints: accessToken, and expires_on (epoch seconds, az >=
// 2.54) or else expiresOn ("2026-11-25 10:00:00.000000", local time).
Result<AccessToken> ParseAzCliOutput(std::string_view json, std::string_view who);

}  // namespace cv::backends::azure::identity
