// vault.key_vault: validation naming the key, defaults (api-version 7.6, identity keys from vault.azure),
// and the identity kinds Key Vault cannot take. The environment is injected; nothing is contacted.
#include "ops/key_vault.h"

#include <gtest/gtest.h>

namespace cv::ops {
namespace {

using backends::azure::AuthKind;

std::string NoEnv(const std::string&) { return ""; }

Config WithKeyVault(std::map<std::string, std::string> kv, std::map<std::string, std::string> azure = {}) {
  Config c;
  c.path = "/etc/cassvault/cassvault.yaml";
  c.store.key_vault = std::move(kv);
  c.store.azure = std::move(azure);
  return c;
}

TEST(KeyVaultSettings, NotConfiguredIsNotFound) {
  EXPECT_TRUE(KeyVaultSettingsFromConfig(Config{}, NoEnv).status().IsNotFound());
}

TEST(KeyVaultSettings, DefaultsAndIdentityFromVaultAzure) {
  auto env = [](const std::string& name) { return name == "AZURE_CLIENT_SECRET" ? std::string("s") : ""; };
  auto s =
      KeyVaultSettingsFromConfig(WithKeyVault({{"url", "https://kv1.vault.azure.net/"}, {"key", "cv-kek"}},
                                              {{"auth", "client-secret"},
                                               {"tenant_id", "t1"},
                                               {"client_id", "c1"},
                                               {"endpoint", "https://x"},
                                               {"pack_access_tier", "Cool"}}),
                                 env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->url, "https://kv1.vault.azure.net");
  EXPECT_EQ(s->api_version, "7.6");
  EXPECT_EQ(s->auth.kind, AuthKind::kClientSecret);
  EXPECT_EQ(s->auth.tenant_id, "t1");
  EXPECT_EQ(s->auth.client_id, "c1");
  // Its own identity keys win.
  s = KeyVaultSettingsFromConfig(
      WithKeyVault({{"url", "https://kv1.vault.azure.net"},
                    {"key", "k"},
                    {"api_version", "2025-07-01"},
                    {"auth", "managed-identity"},
                    {"managed_identity_client_id", "m1"}},
                   {{"auth", "client-secret"}, {"tenant_id", "t1"}, {"client_id", "c1"}}),
      env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->auth.kind, AuthKind::kManagedIdentity);
  EXPECT_EQ(s->auth.managed_identity.value, "m1");
  EXPECT_EQ(s->api_version, "2025-07-01");
}

TEST(KeyVaultSettings, StorageCredentialsAreRefused) {
  auto st = KeyVaultSettingsFromConfig(WithKeyVault({{"url", "https://kv1.vault.azure.net"}, {"key", "k"}},
                                                    {{"auth", "shared-key"}}),
                                       NoEnv)
                .status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'vault.key_vault.auth'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("from vault.azure.auth"), std::string::npos) << st.message();
  // No auth anywhere: the storage's implicit choice (an account key in the environment) means nothing to
  // Key Vault; the default chain is used.
  auto env = [](const std::string& name) { return name == "AZURE_STORAGE_KEY" ? std::string("a2V5") : ""; };
  auto s =
      KeyVaultSettingsFromConfig(WithKeyVault({{"url", "https://kv1.vault.azure.net"}, {"key", "k"}}), env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->auth.kind, AuthKind::kDefault);
}

TEST(KeyVaultSettings, BadValuesNameTheKey) {
  const std::pair<std::map<std::string, std::string>, std::string> cases[] = {
      {{{"key", "k"}}, "url"},
      {{{"url", "https://kv1.vault.azure.net"}}, "key"},
      {{{"url", "http://kv1.vault.azure.net"}, {"key", "k"}}, "url"},
      {{{"url", "https://kv1.vault.azure.net/keys/k"}, {"key", "k"}}, "url"},
      {{{"url", "https://kv1.vault.azure.net"}, {"key", "k/1"}}, "key"},
      {{{"url", "https://kv1.vault.azure.net"}, {"key", "k"}, {"api_version", "7.6&x=y"}}, "api_version"},
      {{{"url", "https://kv1.vault.azure.net"}, {"key", "k"}, {"colour", "blue"}}, "colour"},
      {{{"url", "https://kv1.vault.azure.net"}, {"key", "k"}, {"auth", "client-secret"}}, "tenant_id"},
      {{{"url", "https://kv1.vault.azure.net"}, {"key", "k"}, {"client_secret_env", "not a name"}},
       "client_secret_env"},
  };
  for (const auto& [kv, key] : cases) {
    auto st = KeyVaultSettingsFromConfig(WithKeyVault(kv), NoEnv).status();
    EXPECT_FALSE(st.ok()) << key;
    EXPECT_NE(st.message().find("vault.key_vault." + key), std::string::npos) << st.message();
  }
}

// The slot's kid decides where a token goes: one in another vault, one without a version, or another
// algorithm is refused before anything is sent (the URL below does not resolve; nothing is contacted).
TEST(KeyVaultWrapper, RefusesForeignOrUnversionedKidsBeforeSending) {
  Config c =
      WithKeyVault({{"url", "https://kv1.vault.azure.net"}, {"key", "k"}, {"auth", "managed-identity"}});
  auto wrapper = OpenKeyVaultWrapper(c);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status().ToString();
  EXPECT_EQ((*wrapper)->Name(), "Azure Key Vault https://kv1.vault.azure.net key k");
  crypto::WrappedKey w{"https://attacker.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef",
                       "RSA-OAEP-256", crypto::Bytes(256, 1)};
  auto st = (*wrapper)->Unwrap(w).status();
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  EXPECT_NE(st.message().find("another vault"), std::string::npos) << st.message();
  w.kid = "https://kv1.vault.azure.net/keys/k";
  EXPECT_EQ((*wrapper)->Unwrap(w).status().code(), StatusCode::kInvalidArgument);
  w.kid = "https://kv1.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef";
  w.alg = "RSA1_5";
  EXPECT_EQ((*wrapper)->Unwrap(w).status().code(), StatusCode::kNotSupported);
  EXPECT_EQ((*wrapper)->Wrap("https://attacker.example/keys/k/1", crypto::Bytes(32, 0)).status().code(),
            StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace cv::ops
