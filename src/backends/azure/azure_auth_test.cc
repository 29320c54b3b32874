// vault.azure.* validation, how the identity is chosen from config and environment, the default chain's
// order, and what each Authorizer adds to a request (SAS query, Bearer header).
#include "backends/azure/azure_auth.h"

#include <gtest/gtest.h>

#include "backends/azure/authorizer.h"
#include "backends/azure/identity/chained_credential.h"
#include "crypto/crypto.h"
#include "http/request_ids.h"

namespace cv::backends::azure {
namespace {

using Settings = std::map<std::string, std::string>;
using Env = std::map<std::string, std::string>;

EnvLookup FakeEnv(Env env) {
  return [env = std::move(env)](const std::string& name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
}

Result<AzureAuth> Read(const Settings& s, Env e = {}) {
  return AzureAuthFromSettings(s, "/etc/cv.yaml", FakeEnv(std::move(e)));
}

constexpr const char* kKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

TEST(AzureAuthConfig, DefaultKindFollowsTheEnvironment) {
  EXPECT_EQ(Read({}, {{"AZURE_STORAGE_KEY", kKey}})->kind, AuthKind::kSharedKey);
  EXPECT_EQ(Read({}, {{"AZURE_STORAGE_SAS_TOKEN", "sv=1&sig=x"}})->kind, AuthKind::kSas);
  EXPECT_EQ(Read({{"sas_env", "MY_SAS"}}, {{"MY_SAS", "sv=1&sig=x"}})->kind, AuthKind::kSas);
  auto none = Read({});
  EXPECT_EQ(none->kind, AuthKind::kDefault);
  EXPECT_TRUE(none->kind_implicit);
  EXPECT_EQ(Read({{"auth", "azure-cli"}}, {{"AZURE_STORAGE_KEY", kKey}})->kind, AuthKind::kAzureCli);
}

TEST(AzureAuthConfig, ErrorsNameTheKeyAndTheFile) {
  auto unknown = Read({{"client_secret", "hunter2"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("/etc/cv.yaml: key 'vault.azure.client_secret': unknown key"),
            std::string::npos)
      << unknown.status().message();
  EXPECT_EQ(unknown.status().message().find("hunter2"), std::string::npos);
  EXPECT_NE(
      unknown.status().message().find(
          "unknown key (known: auth, authority_host, certificate_file, client_id, client_secret_env, "
          "endpoint, managed_identity_client_id, managed_identity_object_id, managed_identity_resource_id, "
          "metadata_access_tier, pack_access_tier, sas_env, tenant_id)"),
      std::string::npos)
      << unknown.status().message();

  auto kind = Read({{"auth", "password"}});
  EXPECT_NE(kind.status().message().find("key 'vault.azure.auth': 'password' is not one of shared-key, sas, "
                                         "client-secret, client-certificate, workload-identity, "
                                         "managed-identity, azure-cli, default"),
            std::string::npos)
      << kind.status().message();

  auto secret_in_yaml = Read({{"client_secret_env", "s3cr3t value!"}});
  EXPECT_NE(secret_in_yaml.status().message().find("'vault.azure.client_secret_env'"), std::string::npos);
  auto two_ids = Read({{"managed_identity_client_id", "a"}, {"managed_identity_resource_id", "/b"}});
  EXPECT_NE(two_ids.status().message().find("at most one"), std::string::npos);
  auto http_authority = Read({{"authority_host", "http://login.example/"}});
  EXPECT_NE(http_authority.status().message().find("'vault.azure.authority_host'"), std::string::npos);
}

TEST(AzureAuthConfig, MissingVariablesAreNamedNeverValues) {
  auto secret = Read({{"auth", "client-secret"}, {"tenant_id", "t"}, {"client_secret_env", "CV_SECRET"}});
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(
      secret.status().message(),
      "Azure credentials (vault.azure.auth: client-secret): vault.azure.client_id (or AZURE_CLIENT_ID) and "
      "CV_SECRET are not set");
  auto ok = Read({{"auth", "client-secret"}, {"client_secret_env", "CV_SECRET"}},
                 {{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_ID", "c"}, {"CV_SECRET", "value"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->client_secret, "value");
  EXPECT_EQ(Read({{"auth", "shared-key"}}).status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(Read({{"auth", "sas"}}).status().message().find("AZURE_STORAGE_SAS_TOKEN is not set"),
            std::string::npos);
  EXPECT_NE(Read({{"auth", "workload-identity"}}, {{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_ID", "c"}})
                .status()
                .message()
                .find("AZURE_FEDERATED_TOKEN_FILE is not set"),
            std::string::npos);
  // The config file wins over the environment for ids.
  EXPECT_EQ(
      Read({{"auth", "managed-identity"}, {"client_id", "cfg"}}, {{"AZURE_CLIENT_ID", "env"}})->client_id,
      "cfg");
}

TEST(AzureAuthConfig, ManagedIdentitySelection) {
  auto by_res = Read({{"auth", "managed-identity"}, {"managed_identity_resource_id", "/subs/r"}});
  EXPECT_EQ(by_res->managed_identity.kind, identity::ManagedIdentityId::Kind::kResourceId);
  auto system = Read({{"auth", "managed-identity"}}, {{"AZURE_CLIENT_ID", "c"}});
  EXPECT_EQ(system->managed_identity.kind, identity::ManagedIdentityId::Kind::kSystem);
  // In the default chain AZURE_CLIENT_ID picks the user-assigned identity, as DefaultAzureCredential does.
  auto chain = Read({}, {{"AZURE_CLIENT_ID", "c"}});
  EXPECT_EQ(chain->managed_identity.kind, identity::ManagedIdentityId::Kind::kClientId);
  EXPECT_EQ(Read({}, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9"}})->imds_host,
            "http://127.0.0.1:9");
}

std::vector<std::string> ChainOrder(Env env) {
  auto auth = Read({{"auth", "default"}}, std::move(env));
  EXPECT_TRUE(auth.ok()) << auth.status().ToString();
  auto cred = MakeTokenCredential(*auth, {});
  EXPECT_TRUE(cred.ok()) << cred.status().ToString();
  return dynamic_cast<identity::ChainedCredential&>(**cred).SourceNames();
}

TEST(AzureAuthChain, FollowsDefaultAzureCredentialOrder) {
  EXPECT_EQ(ChainOrder({}),
            (std::vector<std::string>{"Azure identity 'managed identity' (IMDS, system-assigned)",
                                      "Azure identity 'Azure CLI'"}));
  EXPECT_EQ(
      ChainOrder({{"AZURE_TENANT_ID", "t"},
                  {"AZURE_CLIENT_ID", "c"},
                  {"AZURE_CLIENT_SECRET", "s"},
                  {"AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"},
                  {"IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"},
                  {"IDENTITY_HEADER", "h"}}),
      (std::vector<std::string>{
          "Azure identity 'client secret' (client c)", "Azure identity 'workload identity' (client c)",
          "Azure identity 'managed identity' (App Service, client id c)", "Azure identity 'Azure CLI'"}));
}

TEST(AzureAuthChain, WhenEverySourceFailsTheErrorListsEachAndWhy) {
  auto auth = Read({}, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:1"}});
  auth->az_program = "/nonexistent/az";
  auto cred = MakeTokenCredential(*auth, {});
  ASSERT_TRUE(cred.ok());
  auto t = (*cred)->GetToken(identity::kStorageScope);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnauthenticated);
  const std::string& m = t.status().message();
  for (const char* part :
       {"shared key: AZURE_STORAGE_KEY is not set", "SAS: AZURE_STORAGE_SAS_TOKEN is not set",
        "environment: vault.azure.tenant_id (or AZURE_TENANT_ID)",
        "workload identity: AZURE_FEDERATED_TOKEN_FILE is not set",
        "managed identity' (IMDS, system-assigned): no managed identity endpoint answered",
        "Azure CLI (/nonexistent/az) is not installed"}) {
    EXPECT_NE(m.find(part), std::string::npos) << part << "\n" << m;
  }
}

struct Built {
  std::vector<http::Header> headers = {{"x-ms-date", "d"}, {"x-ms-version", "v"}};
  std::string url;
  QueryParams query;
  RequestToSign req{"GET", "acct", "/c/b", query, 0, headers, url};
};

TEST(Authorizers, SasAppendsTheTokenToTheQueryAndAddsNoHeader) {
  SasAuthorizer sas("?sv=2025-07-05&sp=rwl&sig=abc%2F", "MY_SAS");
  Built a;
  a.url = "https://acct.blob.core.windows.net/c/b";
  ASSERT_TRUE(sas.Authorize(a.req).ok());
  EXPECT_EQ(a.url, "https://acct.blob.core.windows.net/c/b?sv=2025-07-05&sp=rwl&sig=abc%2F");
  EXPECT_EQ(a.headers.size(), 2u);
  Built b;
  b.url = "https://acct.blob.core.windows.net/c?restype=container&comp=list";
  ASSERT_TRUE(sas.Authorize(b.req).ok());
  EXPECT_EQ(
      b.url,
      "https://acct.blob.core.windows.net/c?restype=container&comp=list&sv=2025-07-05&sp=rwl&sig=abc%2F");
  EXPECT_EQ(http::RedactUrl(b.url).find("sig"), std::string::npos);
  EXPECT_NE(sas.CheckHint("acct").find("MY_SAS"), std::string::npos);
}

TEST(Authorizers, TokensAreNeverSentOverHttpAndSasNeedsASignature) {
  auto chain = Read({{"auth", "managed-identity"}});
  auto a = MakeAuthorizer(*chain, {}, /*endpoint_is_https=*/false);
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("only sent over https"), std::string::npos);
  auto implicit = Read({});
  EXPECT_EQ(MakeAuthorizer(*implicit, {}, false).status().code(), StatusCode::kUnauthenticated);
  AzureAuth sas;
  sas.kind = AuthKind::kSas;
  sas.sas_token = "sv=1&se=2&secret-looking";
  auto bad = MakeAuthorizer(sas, {}, true);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("secret-looking"), std::string::npos);
}

// A SAS rides in the URL: over plain http to another host anyone on the path could reuse it.
TEST(Authorizers, SasIsSentOverHttpsOrToLoopbackOnly) {
  AzureAuth sas;
  sas.kind = AuthKind::kSas;
  sas.sas_env = "MY_SAS";
  sas.sas_token = "sv=2022-11-02&sp=racwl&sig=SUPERSECRETSIGNATURE%3D";
  EXPECT_TRUE(MakeAuthorizer(sas, {}, /*endpoint_is_https=*/true, /*endpoint_is_loopback=*/false).ok());
  EXPECT_TRUE(MakeAuthorizer(sas, {}, /*endpoint_is_https=*/false, /*endpoint_is_loopback=*/true).ok());
  auto refused = MakeAuthorizer(sas, {}, /*endpoint_is_https=*/false, /*endpoint_is_loopback=*/false);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("only sent over https"), std::string::npos);
  EXPECT_EQ(refused.status().ToString().find("SUPERSECRET"), std::string::npos);
}

}  // namespace
}  // namespace cv::backends::azure

namespace cv::backends::azure {
namespace {

std::string B64Url(const std::string& s) {
  std::string b = crypto::Base64Encode(crypto::AsBytes(s));
  for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

// The audit trail names the Entra identity of the storage token (http/request_ids.h): its oid, app id and
// tenant, read from the JWT's payload (unsigned here: attribution, not authentication).
TEST(TokenClaims, ObjectIdAppIdAndTenantAreNotedAndANonJwtNotesNothing) {
  NoteTokenClaims("header." +
                  B64Url(R"({"oid":"11111111-2222-3333-4444-555555555555","appid":"app-1",)"
                         R"("tid":"tenant-9","aud":"https://storage.azure.com"})") +
                  ".signature");
  auto who = http::LastCallerIdentity();
  ASSERT_TRUE(who);
  EXPECT_EQ(who->object_id, "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(who->app_id, "app-1");
  EXPECT_EQ(who->tenant_id, "tenant-9");
  NoteTokenClaims("not-a-jwt");
  NoteTokenClaims("a." + B64Url("[1,2]") + ".c");
  EXPECT_EQ(http::LastCallerIdentity()->object_id, "11111111-2222-3333-4444-555555555555");
}

}  // namespace
}  // namespace cv::backends::azure
