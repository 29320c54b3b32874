#include "backends/azure/azure_auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string_view>

#include "backends/azure/identity/azure_cli_credential.h"
#include "backends/azure/identity/chained_credential.h"
#include "backends/azure/identity/client_certificate_credential.h"
#include "backends/azure/identity/client_secret_credential.h"
#include "backends/azure/identity/workload_identity_credential.h"

namespace cv::backends::azure {
namespace {

using identity::ManagedIdentityId;

constexpr std::pair<AuthKind, std::string_view> kKinds[] = {
    {AuthKind::kSharedKey, "shared-key"},
    {AuthKind::kSas, "sas"},
    {AuthKind::kClientSecret, "client-secret"},
    {AuthKind::kClientCertificate, "client-certificate"},
    {AuthKind::kWorkloadIdentity, "workload-identity"},
    {AuthKind::kManagedIdentity, "managed-identity"},
    {AuthKind::kAzureCli, "azure-cli"},
    {AuthKind::kDefault, "default"},
};

// Sorted: looked up by binary search and listed in this order when a key is unknown. A constant array
// of views, so nothing is allocated before main.
constexpr auto kKnownKeys = std::to_array<std::string_view>(
    {"auth", "authority_host", "certificate_file", "client_id", "client_secret_env", "endpoint",
     "managed_identity_client_id", "managed_identity_object_id", "managed_identity_resource_id",
     "metadata_access_tier", "pack_access_tier", "sas_env", "tenant_id"});
static_assert(std::ranges::is_sorted(kKnownKeys));

Status KeyError(const std::string& config, const std::string& key, const std::string& problem) {
  return Status::InvalidArgument(
      (config.empty() ? std::string("config") : config) + ": key 'vault.azure." + key + "'", problem);
}

bool IsVariableName(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

// "a, b and c"
std::string JoinAnd(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

// What an app-registration kind lacks: "vault.azure.tenant_id (or AZURE_TENANT_ID)".
std::vector<std::string> MissingApp(const AzureAuth& a) {
  std::vector<std::string> missing;
  if (a.tenant_id.empty()) missing.push_back("vault.azure.tenant_id (or AZURE_TENANT_ID)");
  if (a.client_id.empty()) missing.push_back("vault.azure.client_id (or AZURE_CLIENT_ID)");
  return missing;
}

Status Unauthenticated(std::string_view kind, const std::vector<std::string>& missing) {
  return Status(StatusCode::kUnauthenticated,
                "Azure credentials (vault.azure.auth: " + std::string(kind) + ")",
                JoinAnd(missing) + (missing.size() == 1 ? " is" : " are") + " not set");
}

identity::EntraApp App(const AzureAuth& a) { return {a.authority_host, a.tenant_id, a.client_id}; }

// Token endpoints get the blob endpoint's trust settings, but answer quickly or not at all.
Result<std::unique_ptr<http::Client>> TokenHttp(const http::ClientOptions& base,
                                                std::chrono::seconds connect) {
  http::ClientOptions o = base;
  o.connect_timeout = connect;
  o.stall_timeout = std::chrono::seconds(30);
  o.total_timeout = std::chrono::seconds(60);
  o.max_idle_handles = 2;
  o.max_bandwidth = 0;  // a few hundred bytes: not worth a share of the data's budget
  return http::Client::Create(o);
}

Result<std::unique_ptr<identity::TokenCredential>> ManagedIdentity(const AzureAuth& a,
                                                                   const http::ClientOptions& http,
                                                                   bool probe) {
  if (!a.identity_endpoint.empty()) {
    if (a.identity_header.empty()) {
      return Status(StatusCode::kUnauthenticated, "Azure identity 'managed identity' (App Service)",
                    "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not");
    }
    CV_ASSIGN_OR_RETURN(auto client, TokenHttp(http, std::chrono::seconds(5)));
    return std::unique_ptr<identity::TokenCredential>(std::make_unique<identity::AppServiceCredential>(
        a.identity_endpoint, a.identity_header, a.managed_identity, std::move(client)));
  }
  // The chain's probe gives up after 1 s: off Azure, nothing answers at 169.254.169.254.
  CV_ASSIGN_OR_RETURN(auto client, TokenHttp(http, std::chrono::seconds(probe ? 1 : 5)));
  return std::unique_ptr<identity::TokenCredential>(
      std::make_unique<identity::ImdsCredential>(a.imds_host, a.managed_identity, std::move(client), probe));
}

Result<std::unique_ptr<identity::TokenCredential>> EntraKind(AuthKind kind, const AzureAuth& a,
                                                             const http::ClientOptions& http) {
  std::string who = "Azure identity '" + std::string(AuthKindName(kind)) + "'";
  CV_RETURN_IF_ERROR(identity::CheckEntraApp(App(a), who));
  CV_ASSIGN_OR_RETURN(auto client, TokenHttp(http, std::chrono::seconds(10)));
  switch (kind) {
    case AuthKind::kClientSecret:
      return std::unique_ptr<identity::TokenCredential>(
          std::make_unique<identity::ClientSecretCredential>(App(a), a.client_secret, std::move(client)));
    case AuthKind::kClientCertificate: {
      CV_ASSIGN_OR_RETURN(identity::ClientCertificate cert,
                          identity::ClientCertificate::LoadPem(a.certificate_file));
      return std::unique_ptr<identity::TokenCredential>(
          std::make_unique<identity::ClientCertificateCredential>(App(a), std::move(cert),
                                                                  std::move(client)));
    }
    default:
      return std::unique_ptr<identity::TokenCredential>(
          std::make_unique<identity::WorkloadIdentityCredential>(App(a), a.federated_token_file,
                                                                 std::move(client)));
  }
}

Result<std::unique_ptr<identity::TokenCredential>> DefaultChain(const AzureAuth& a,
                                                                const http::ClientOptions& http) {
  std::vector<std::unique_ptr<identity::TokenCredential>> sources;
  std::vector<identity::ChainedCredential::Skipped> skipped;
  if (a.kind_implicit) {
    skipped.push_back({"shared key", "AZURE_STORAGE_KEY is not set"});
    skipped.push_back({"SAS", a.sas_env + " is not set"});
  }
  auto add = [&](std::string source, Result<std::unique_ptr<identity::TokenCredential>> c) {
    if (c.ok()) {
      sources.push_back(std::move(c).value());
    } else {
      skipped.push_back({std::move(source), c.status().message()});
    }
  };
  std::vector<std::string> app_missing = MissingApp(a);
  // Environment: a service principal with a secret, else with a certificate.
  if (app_missing.empty() && !a.client_secret.empty()) {
    add("environment", EntraKind(AuthKind::kClientSecret, a, http));
  } else if (app_missing.empty() && !a.certificate_file.empty()) {
    add("environment", EntraKind(AuthKind::kClientCertificate, a, http));
  } else {
    std::vector<std::string> missing = app_missing;
    if (a.client_secret.empty() && a.certificate_file.empty()) {
      missing.push_back(a.client_secret_env + " or AZURE_CLIENT_CERTIFICATE_PATH");
    }
    skipped.push_back(
        {"environment", JoinAnd(missing) + (missing.size() == 1 ? " is" : " are") + " not set"});
  }
  if (a.federated_token_file.empty() || !app_missing.empty()) {
    skipped.push_back({"workload identity", a.federated_token_file.empty()
                                                ? "AZURE_FEDERATED_TOKEN_FILE is not set"
                                                : JoinAnd(app_missing) + " not set"});
  } else {
    add("workload identity", EntraKind(AuthKind::kWorkloadIdentity, a, http));
  }
  add("managed identity", ManagedIdentity(a, http, /*probe=*/true));
  sources.push_back(std::make_unique<identity::AzureCliCredential>(a.tenant_id, a.az_program));
  return std::unique_ptr<identity::TokenCredential>(std::make_unique<identity::ChainedCredential>(
      std::move(sources), std::move(skipped), "Azure credentials (vault.azure.auth: default)"));
}

}  // namespace

std::string_view AuthKindName(AuthKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "?";
}

std::string ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

Result<AzureAuth> AzureAuthFromSettings(const std::map<std::string, std::string>& settings,
                                        const std::string& config_path, const EnvLookup& env) {
  for (const auto& [key, value] : settings) {
    if (!std::ranges::binary_search(kKnownKeys, std::string_view(key))) {
      std::string list;
      for (std::string_view k : kKnownKeys) {
        if (!list.empty()) list += ", ";
        list += k;
      }
      return KeyError(config_path, key, "unknown key (known: " + list + ")");
    }
  }
  auto get = [&](const std::string& key) {
    auto it = settings.find(key);
    return it == settings.end() ? std::string() : it->second;
  };
  auto get_or_env = [&](const std::string& key, const std::string& var) {
    std::string v = get(key);
    return v.empty() ? env(var) : v;
  };

  AzureAuth a;
  for (const auto& [key, field] : {std::pair<std::string, std::string*>{"sas_env", &a.sas_env},
                                   {"client_secret_env", &a.client_secret_env}}) {
    std::string v = get(key);
    if (v.empty()) continue;
    if (!IsVariableName(v)) {
      return KeyError(config_path, key,
                      "'" + v +
                          "' is not an environment variable name; the secret itself never goes in the "
                          "config file: name the variable that holds it");
    }
    *field = v;
  }
  a.account_key = env("AZURE_STORAGE_KEY");
  a.sas_token = env(a.sas_env);
  a.client_secret = env(a.client_secret_env);
  a.tenant_id = get_or_env("tenant_id", "AZURE_TENANT_ID");
  a.client_id = get_or_env("client_id", "AZURE_CLIENT_ID");
  a.authority_host = get_or_env("authority_host", "AZURE_AUTHORITY_HOST");
  a.certificate_file = get_or_env("certificate_file", "AZURE_CLIENT_CERTIFICATE_PATH");
  a.federated_token_file = env("AZURE_FEDERATED_TOKEN_FILE");
  a.identity_endpoint = env("IDENTITY_ENDPOINT");
  a.identity_header = env("IDENTITY_HEADER");
  if (std::string host = env("AZURE_POD_IDENTITY_AUTHORITY_HOST"); !host.empty()) a.imds_host = host;
  if (!a.authority_host.empty() && a.authority_host.rfind("https://", 0) != 0) {
    return KeyError(config_path, "authority_host",
                    "'" + a.authority_host + "' (or AZURE_AUTHORITY_HOST) is not an https:// URL");
  }

  const std::string kind = get("auth");
  if (kind.empty()) {
    a.kind_implicit = true;
    a.kind = !a.account_key.empty() ? AuthKind::kSharedKey
             : !a.sas_token.empty() ? AuthKind::kSas
                                    : AuthKind::kDefault;
  } else {
    bool found = false;
    for (const auto& [k, name] : kKinds) {
      if (name == kind) {
        a.kind = k;
        found = true;
      }
    }
    if (!found) {
      std::string list;
      for (const auto& [k, name] : kKinds) list += (list.empty() ? "" : ", ") + std::string(name);
      return KeyError(config_path, "auth", "'" + kind + "' is not one of " + list);
    }
  }

  // A user-assigned managed identity, by at most one of its ids; in the default chain AZURE_CLIENT_ID
  // also selects it, as DefaultAzureCredential does.
  int ids = 0;
  for (const auto& [key, kind_id] : {std::pair<std::string, ManagedIdentityId::Kind>{
                                         "managed_identity_client_id", ManagedIdentityId::Kind::kClientId},
                                     {"managed_identity_resource_id", ManagedIdentityId::Kind::kResourceId},
                                     {"managed_identity_object_id", ManagedIdentityId::Kind::kObjectId}}) {
    if (std::string v = get(key); !v.empty()) {
      a.managed_identity = {kind_id, v};
      ++ids;
    }
  }
  if (ids > 1) {
    return KeyError(config_path, "managed_identity_client_id",
                    "give at most one of managed_identity_client_id, managed_identity_resource_id and "
                    "managed_identity_object_id");
  }
  if (ids == 0 && a.kind == AuthKind::kDefault && !a.client_id.empty()) {
    a.managed_identity = {ManagedIdentityId::Kind::kClientId, a.client_id};
  }

  const std::string_view name = AuthKindName(a.kind);
  switch (a.kind) {
    case AuthKind::kSharedKey:
      if (a.account_key.empty()) {
        return Status(StatusCode::kUnauthenticated, "Azure credentials",
                      "AZURE_STORAGE_KEY is not set: set it to the storage account key (base64), or choose "
                      "another identity with vault.azure.auth in " +
                          config_path);
      }
      break;
    case AuthKind::kSas:
      if (a.sas_token.empty()) return Unauthenticated(name, {a.sas_env});
      break;
    case AuthKind::kClientSecret: {
      auto missing = MissingApp(a);
      if (a.client_secret.empty()) missing.push_back(a.client_secret_env);
      if (!missing.empty()) return Unauthenticated(name, missing);
      break;
    }
    case AuthKind::kClientCertificate: {
      auto missing = MissingApp(a);
      if (a.certificate_file.empty())
        missing.push_back("vault.azure.certificate_file (or AZURE_CLIENT_CERTIFICATE_PATH)");
      if (!missing.empty()) return Unauthenticated(name, missing);
      break;
    }
    case AuthKind::kWorkloadIdentity: {
      auto missing = MissingApp(a);
      if (a.federated_token_file.empty()) missing.push_back("AZURE_FEDERATED_TOKEN_FILE");
      if (!missing.empty()) return Unauthenticated(name, missing);
      break;
    }
    case AuthKind::kManagedIdentity:
    case AuthKind::kAzureCli:
    case AuthKind::kDefault:
      break;
  }
  return a;
}

Result<std::unique_ptr<identity::TokenCredential>> MakeTokenCredential(const AzureAuth& auth,
                                                                       const http::ClientOptions& http) {
  switch (auth.kind) {
    case AuthKind::kClientSecret:
    case AuthKind::kClientCertificate:
    case AuthKind::kWorkloadIdentity:
      return EntraKind(auth.kind, auth, http);
    case AuthKind::kManagedIdentity:
      return ManagedIdentity(auth, http, /*probe=*/false);
    case AuthKind::kAzureCli:
      return std::unique_ptr<identity::TokenCredential>(
          std::make_unique<identity::AzureCliCredential>(auth.tenant_id, auth.az_program));
    case AuthKind::kDefault:
      return DefaultChain(auth, http);
    case AuthKind::kSharedKey:
    case AuthKind::kSas:
      break;
  }
  return Status::Internal("Azure credentials",
                          "not a token identity: " + std::string(AuthKindName(auth.kind)));
}

Result<std::unique_ptr<Authorizer>> MakeAuthorizer(const AzureAuth& auth, const http::ClientOptions& http,
                                                   bool endpoint_is_https, bool endpoint_is_loopback) {
  if (auth.kind == AuthKind::kSharedKey) {
    auto decoded = crypto::Base64Decode(auth.account_key);
    if (!decoded.ok() || decoded->empty()) {
      return Status::InvalidArgument("Azure account key (AZURE_STORAGE_KEY)", "not valid base64");
    }
    crypto::SecretBytes key(*decoded);
    OPENSSL_cleanse(decoded->data(), decoded->size());
    return std::unique_ptr<Authorizer>(std::make_unique<SharedKeyAuthorizer>(std::move(key)));
  }
  if (auth.kind == AuthKind::kSas) {
    if (auth.sas_token.find("sig=") == std::string::npos) {
      return Status::InvalidArgument("Azure SAS token (" + auth.sas_env + ")",
                                     "not a SAS token: it has no sig= parameter");
    }
    if (!endpoint_is_https && !endpoint_is_loopback) {
      return Status::InvalidArgument(
          "Azure credentials (vault.azure.auth: sas)",
          "a SAS token is only sent over https, or over http to a loopback address (a local emulator); the "
          "blob endpoint is plain http to another host, where anyone on the path could read and reuse the "
          "token: use an https endpoint");
    }
    return std::unique_ptr<Authorizer>(std::make_unique<SasAuthorizer>(auth.sas_token, auth.sas_env));
  }
  if (!endpoint_is_https && auth.kind_implicit) {
    return Status(StatusCode::kUnauthenticated, "Azure credentials",
                  "AZURE_STORAGE_KEY is not set, nor " + auth.sas_env +
                      "; the Entra ID identities of the default chain need an https blob endpoint");
  }
  if (!endpoint_is_https) {
    return Status::InvalidArgument(
        "Azure credentials (vault.azure.auth: " + std::string(AuthKindName(auth.kind)) + ")",
        "Entra ID tokens are only sent over https; the blob endpoint is http (use https, or shared-key/sas "
        "for a local emulator)");
  }
  CV_ASSIGN_OR_RETURN(auto credential, MakeTokenCredential(auth, http));
  return std::unique_ptr<Authorizer>(std::make_unique<BearerAuthorizer>(
      std::make_unique<identity::CachedCredential>(std::move(credential))));
}

}  // namespace cv::backends::azure
