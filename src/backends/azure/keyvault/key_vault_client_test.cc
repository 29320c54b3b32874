// The Key Vault client against tests/integration/keyvault_standin.py (a STAND-IN for Azure Key Vault, not
// the service), run by tests/integration/test_key_vault_client.py, which starts the stand-in and the token
// server and says what it set up through the environment:
//   CV_KV_URL, CV_KV_CA, CV_KV_TENANT, CV_KV_CLIENT_ID, CV_KV_AUTHORITY, AZURE_CLIENT_SECRET (and
//   https_proxy: the stand-in is reached by its vault.azure.net name);
//   CV_KV_KEY (a key the identity may use), CV_KV_PAGED (a key with CV_KV_PAGED_COUNT versions),
//   CV_KV_DISABLED_VERSION (a disabled version of CV_KV_KEY).
// Each test names what the stand-in must have been set up for; the Python side checks what it recorded.
#include "backends/azure/keyvault/key_vault_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "backends/azure/azure_auth.h"
#include "backends/azure/keyvault/rsa_jwk.h"

namespace cv::backends::azure::keyvault {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::unique_ptr<KeyVaultClient> Client() {
  std::map<std::string, std::string> settings = {{"auth", "client-secret"},
                                                 {"tenant_id", Env("CV_KV_TENANT")},
                                                 {"client_id", Env("CV_KV_CLIENT_ID")},
                                                 {"authority_host", Env("CV_KV_AUTHORITY")}};
  auto auth = AzureAuthFromSettings(settings, "test");
  EXPECT_TRUE(auth.ok()) << auth.status().ToString();
  http::ClientOptions o;
  o.ca_file = Env("CV_KV_CA");
  auto http = http::Client::Create(o);
  auto cred = MakeTokenCredential(*auth, o);
  EXPECT_TRUE(http.ok() && cred.ok());
  KeyVaultOptions options;
  options.vault_url = Env("CV_KV_URL");
  options.retry.base_delay = std::chrono::milliseconds(10);
  return std::make_unique<KeyVaultClient>(
      options, std::move(http).value(),
      std::make_unique<identity::CachedCredential>(std::move(cred).value()));
}

std::string VersionOf(const std::string& kid) { return ParseKid(kid)->version; }

// Needs CV_KV_PAGED with CV_KV_PAGED_COUNT (> 25) versions.
TEST(KeyVaultStandin, ListsEveryVersionAcrossPages) {
  auto client = Client();
  auto versions = client->ListVersions(Env("CV_KV_PAGED"));
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  EXPECT_EQ(versions->size(), static_cast<size_t>(std::stoi(Env("CV_KV_PAGED_COUNT"))));
  std::set<std::string> kids;
  for (const auto& v : *versions) kids.insert(v.kid);
  EXPECT_EQ(kids.size(), versions->size()) << "a page was read twice";
}

// Needs the stand-in to answer nextLinks on another host.
TEST(KeyVaultStandin, RefusesANextLinkToAnotherHost) {
  auto client = Client();
  auto versions = client->ListVersions(Env("CV_KV_PAGED"));
  ASSERT_EQ(versions.status().code(), StatusCode::kPermissionDenied) << versions.status().ToString();
  EXPECT_NE(versions.status().message().find("refusing to send a token"), std::string::npos);
}

// Needs CV_KV_DISABLED_VERSION: a disabled version of CV_KV_KEY.
TEST(KeyVaultStandin, DisabledVersionIsRefusedClearly) {
  auto client = Client();
  crypto::Bytes wrapped(256, 0x5a);
  auto r = client->UnwrapKey(Env("CV_KV_KEY"), Env("CV_KV_DISABLED_VERSION"), "RSA-OAEP-256", wrapped);
  ASSERT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().ToString();
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("version " + Env("CV_KV_DISABLED_VERSION")), std::string::npos) << m;
  EXPECT_NE(m.find("key " + Env("CV_KV_KEY")), std::string::npos) << m;
  EXPECT_NE(m.find("disabled"), std::string::npos) << m;
  // get still works on a disabled version and says so.
  auto b = client->GetKey(Env("CV_KV_KEY"), Env("CV_KV_DISABLED_VERSION"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE(b->enabled);
}

// Service-side wrap, unwrap and sign, with the answers in whatever alphabet the stand-in was told to use.
TEST(KeyVaultStandin, WrapUnwrapSignRoundTrip) {
  auto client = Client();
  auto latest = client->GetKey(Env("CV_KV_KEY"));
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  std::string version = VersionOf(latest->kid);
  crypto::Bytes plain(32);
  for (size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<uint8_t>(0xf8 + i);  // +/ and -_ in base64
  auto w = client->WrapKey(Env("CV_KV_KEY"), version, "RSA-OAEP-256", plain);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->kid, latest->kid);
  auto back = client->UnwrapKey(Env("CV_KV_KEY"), version, "RSA-OAEP-256", w->value);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(crypto::Bytes(back->view().begin(), back->view().end()), plain);
  // Locally wrapped with the public key, unwrapped by the service.
  auto pub = RsaPublicKeyFromJwk(latest->n, latest->e, "k");
  ASSERT_TRUE(pub.ok());
  auto local = RsaOaep256Encrypt(pub->get(), plain);
  ASSERT_TRUE(local.ok());
  back = client->UnwrapKey(Env("CV_KV_KEY"), version, "RSA-OAEP-256", *local);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(crypto::Bytes(back->view().begin(), back->view().end()), plain);
  crypto::Hash32 digest = crypto::Sha256(crypto::AsBytes("approve key.remove"));
  auto sig = client->Sign(Env("CV_KV_KEY"), version, "PS256", digest);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_TRUE(VerifyPs256(pub->get(), digest, sig->value));
  // A version that does not exist: NotFound naming key and version.
  auto missing = client->GetKey(Env("CV_KV_KEY"), "00000000000000000000000000000000");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

}  // namespace
}  // namespace cv::backends::azure::keyvault
