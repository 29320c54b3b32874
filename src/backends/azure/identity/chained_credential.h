// src/backends/azure/identity/chained_credential.h — `auth: default`: the identities DefaultAzureCredential
// tries, in its order: environment (client secret, else certificate) → workload identity →
// managed identity (App Service when IDENTITY_ENDPOINT is set, else IMDS) → Azure CLI.
//
// Sources that are not configured on this machine are listed with the reason at construction; the
// others are asked in order until one gives a token, and that one is used from then on (as the SDKs do,
// so a later hiccup does not silently switch identities). When every source fails, the error lists each
// source and why — what was missing or what its endpoint said — and never a secret.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/azure/identity/token_credential.h"

namespace cv::backends::azure::identity {

class ChainedCredential final : public TokenCredential {
 public:
  struct Skipped {
    std::string source;  // "environment", "workload identity", ...
    std::string reason;  // "AZURE_CLIENT_SECRET and AZURE_CLIENT_CERTIFICATE_PATH are not set"
  };
  ChainedCredential(std::vector<std::unique_ptr<TokenCredential>> sources, std::vector<Skipped> skipped,
                    std::string subject);

  Result<AccessToken> GetToken(std::string_view scope) override;
  std::string Name() const override;

  // The sources that will be asked, in order (for tests and `--verbose` reports).
  std::vector<std::string> SourceNames() const;

 private:
  std::vector<std::unique_ptr<TokenCredential>> sources_;
  std::vector<Skipped> skipped_;
  std::string subject_;
  mutable std::mutex mu_;
  TokenCredential* chosen_ = nullptr;  // GUARDED_BY(mu_)
};

}  // namespace cv::backends::azure::identity
