// src/backends/azure/azure_auth.h — which identity an Azure vault uses, read from `vault.azure.*` and the
// environment (docs/config.md, "Azure identities"), and the Authorizer built from it.
//
// Secrets never come from the config file: the account key from AZURE_STORAGE_KEY, a SAS token from
// AZURE_STORAGE_SAS_TOKEN (or the variable `sas_env` names), a client secret from AZURE_CLIENT_SECRET (or
// `client_secret_env`). The config names variables and files; values stay in the environment.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "backends/azure/authorizer.h"
#include "backends/azure/identity/managed_identity.h"
#include "http/http_client.h"

namespace cv::backends::azure {

enum class AuthKind {
  kSharedKey,
  kSas,
  kClientSecret,
  kClientCertificate,
  kWorkloadIdentity,
  kManagedIdentity,
  kAzureCli,
  kDefault,  // the DefaultAzureCredential chain
};
std::string_view AuthKindName(AuthKind kind);  // the config spelling: "shared-key", "sas", ...

struct AzureAuth {
  AuthKind kind = AuthKind::kSharedKey;
  bool kind_implicit = false;  // vault.azure.auth not set: chosen from what the environment holds
  std::string account_key;     // shared-key: base64. Secret.
  std::string sas_token;       // sas. Secret.
  std::string sas_env = "AZURE_STORAGE_SAS_TOKEN";  // where sas_token came from, for messages
  std::string tenant_id;
  std::string client_id;
  std::string client_secret;  // Secret.
  std::string client_secret_env = "AZURE_CLIENT_SECRET";
  std::string certificate_file;      // PEM: certificate + RSA key
  std::string authority_host;        // empty = https://login.microsoftonline.com/
  std::string federated_token_file;  // workload identity
  identity::ManagedIdentityId managed_identity;
  std::string imds_host = std::string(identity::kImdsHost);
  std::string identity_endpoint;  // App Service: IDENTITY_ENDPOINT
  std::string identity_header;    // App Service: IDENTITY_HEADER. Secret.
  std::string az_program = "az";
};

// Reads an environment variable; "" when unset. Injected so that tests need not touch the process env.
using EnvLookup = std::function<std::string(const std::string&)>;
std::string ProcessEnv(const std::string& name);

// `settings` = the scalar keys of vault.azure (validated here: unknown keys, bad values and missing
// variables are InvalidArgument / Unauthenticated naming `vault.azure.<key>` and `config_path`).
Result<AzureAuth> AzureAuthFromSettings(const std::map<std::string, std::string>& settings,
                                        const std::string& config_path, const EnvLookup& env = ProcessEnv);

// The Authorizer for `auth`. Token credentials get their own HTTP client built from `http` (the same
// trust settings: a private CA reaches the token endpoint too). `endpoint_is_https` guards bearer
// tokens, which are only ever sent over TLS, and SAS tokens, which are sent over TLS or to a loopback
// address (`endpoint_is_loopback`: a local emulator) and refused otherwise, with no opt-in: a SAS in a
// URL over plain http to another host is readable and reusable by anyone on the path until it expires.
Result<std::unique_ptr<Authorizer>> MakeAuthorizer(const AzureAuth& auth, const http::ClientOptions& http,
                                                   bool endpoint_is_https, bool endpoint_is_loopback = false);

// The token credential (uncached) for a token kind, or the default chain. For tests: the chain's order.
Result<std::unique_ptr<identity::TokenCredential>> MakeTokenCredential(const AzureAuth& auth,
                                                                       const http::ClientOptions& http);

}  // namespace cv::backends::azure
