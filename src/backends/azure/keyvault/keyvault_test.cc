// Key Vault client's pure parts, without a network: the 401 challenge and the host check, base64url in
// both alphabets, a JWK's n/e turned into an OpenSSL key that wraps (RSA-OAEP-256) and verifies (PS256)
// as the service would (checked against a private key generated here), key ids, and version pages.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "backends/azure/keyvault/base64url.h"
#include "backends/azure/keyvault/challenge.h"
#include "backends/azure/keyvault/key_vault_client.h"
#include "backends/azure/keyvault/rsa_jwk.h"

namespace cv::backends::azure::keyvault {
namespace {

using namespace std::string_literals;

TEST(KeyVaultChallenge, ParsesTheDocumentedHeader) {
  auto c = ParseChallenge(
      "Bearer authorization=\"https://login.windows.net/12345678-1234-1234-1234-123456789012\", "
      "resource=\"https://vault.azure.net\"");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->scope, "https://vault.azure.net/.default");
  EXPECT_EQ(c->tenant, "12345678-1234-1234-1234-123456789012");
  EXPECT_EQ(c->authorization, "https://login.windows.net/12345678-1234-1234-1234-123456789012");
  // Trailing slash trimmed; authorization_uri and odd spacing / case accepted.
  c = ParseChallenge(
      "bearer   "
      "authorization_uri=\"https://login.microsoftonline.com/t1/\",resource=\"https://managedhsm.azure.net/"
      "\"");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->scope, "https://managedhsm.azure.net/.default");
  EXPECT_EQ(c->tenant, "t1");
  // A scope without a resource.
  c = ParseChallenge(
      "Bearer authorization=\"https://login.windows.net/t\", scope=\"https://vault.azure.net/.default\"");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->scope, "https://vault.azure.net/.default");
}

TEST(KeyVaultChallenge, RefusesWhatIsNotABearerChallenge) {
  for (const char* bad :
       {"", "Basic realm=\"x\"", "Bearer authorization=\"https://login.windows.net/t\"",
        "Bearer resource=\"http://vault.azure.net\"", "Bearer resource=\"https://vault.azure.net",
        "Bearer resource=\"vault.azure.net\""}) {
    auto c = ParseChallenge(bad);
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(KeyVaultChallenge, HostMustBeTheResourceOrBelowIt) {
  Challenge c;
  c.resource = "https://vault.azure.net";
  EXPECT_TRUE(CheckChallengeHost("https://myvault.vault.azure.net/keys/k?api-version=7.6", c).ok());
  EXPECT_TRUE(CheckChallengeHost("https://MyVault.Vault.Azure.Net:443/keys/k", c).ok());
  EXPECT_TRUE(CheckChallengeHost("https://vault.azure.net/keys/k", c).ok());
  // Not a dot boundary, another host, a loopback address: refused, naming both hosts.
  for (const char* url :
       {"https://evilvault.azure.net.example.com/keys/k", "https://myvaultvault.azure.net/k",
        "https://127.0.0.1:8443/keys/k", "https://myvault.vault.azure.cn/keys/k"}) {
    Status st = CheckChallengeHost(url, c);
    EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << url;
    EXPECT_NE(st.message().find("'vault.azure.net'"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(UrlHost(url)), std::string::npos) << st.message();
  }
  c.resource = "https://attacker.example";
  EXPECT_FALSE(CheckChallengeHost("https://myvault.vault.azure.net/keys/k", c).ok());
  EXPECT_EQ(UrlHost("https://[::1]:8443/x"), "::1");
  EXPECT_EQ(UrlHost("https://user@Host.Example:1/x"), "host.example");
}

TEST(KeyVaultBase64, UrlOutBothIn) {
  const std::string raw = "\xfb\xff\xfe binary?\x00\x01"s;
  crypto::ByteView bytes = crypto::AsBytes(raw);
  std::string enc = Base64UrlEncode(bytes);
  EXPECT_EQ(enc.find_first_of("+/="), std::string::npos) << enc;
  EXPECT_EQ(enc, "-__-IGJpbmFyeT8AAQ");
  for (const std::string& text : {enc, std::string("+//+IGJpbmFyeT8AAQ"), std::string("+//+IGJpbmFyeT8AAQ=="),
                                  std::string("-__-IGJpbmFyeT8AAQ==")}) {
    auto d = Base64AnyDecode(text, "t");
    ASSERT_TRUE(d.ok()) << text;
    EXPECT_EQ(std::string(d->begin(), d->end()), raw) << text;
  }
  // The service's own wrapKey example (a 32-byte key, base64url without padding, 43 characters).
  auto k = Base64AnyDecode("ovQIlbB0DgWhZA7sgkPxbg9H-Ly-VlNGPSgGrrZvlIo", "t");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->size(), 32u);
  EXPECT_EQ(Base64UrlEncode(*k), "ovQIlbB0DgWhZA7sgkPxbg9H-Ly-VlNGPSgGrrZvlIo");
  for (int n = 0; n < 8; ++n) {
    crypto::Bytes b(static_cast<size_t>(n), 0xa5);
    auto d = Base64AnyDecode(Base64UrlEncode(b), "t");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, b);
  }
  for (const char* bad : {"abcde", "ab$d", "a===", "ab=c", "abc=d"}) {
    auto d = Base64AnyDecode(bad, "wrapped value");
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(d.status().message().find(bad), std::string::npos) << "the text itself must not be echoed";
  }
}

struct RsaPair {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  ~RsaPair() { EVP_PKEY_free(key); }
  crypto::Bytes Param(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key, name, &bn);
    crypto::Bytes out(static_cast<size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, out.data());
    BN_free(bn);
    return out;
  }
};

TEST(KeyVaultJwk, PublicKeyWrapsWhatThePrivateKeyUnwraps) {
  RsaPair pair;
  crypto::Bytes n = pair.Param("n"), e = pair.Param("e");
  // Through the JWK's own encoding, as the service sends it.
  auto nd = Base64AnyDecode(Base64UrlEncode(n), "n");
  auto pub = RsaPublicKeyFromJwk(*nd, e, "key k");
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  crypto::Bytes plain(32, 0x42);
  auto wrapped = RsaOaep256Encrypt(pub->get(), plain);
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(wrapped->size(), 256u);
  // The private key decrypts it with RSA-OAEP, SHA-256 and MGF1-SHA-256, and nothing else.
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pair.key, nullptr);
  ASSERT_EQ(EVP_PKEY_decrypt_init(ctx), 1);
  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING);
  EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256());
  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256());
  crypto::Bytes out(256);
  size_t len = out.size();
  ASSERT_EQ(EVP_PKEY_decrypt(ctx, out.data(), &len, wrapped->data(), wrapped->size()), 1);
  out.resize(len);
  EXPECT_EQ(out, plain);
  EVP_PKEY_CTX_free(ctx);
  // PS256 of a digest, signed with the private key, verifies; a changed digest does not.
  crypto::Hash32 digest = crypto::Sha256(crypto::AsBytes("approval"));
  ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pair.key, nullptr);
  ASSERT_EQ(EVP_PKEY_sign_init(ctx), 1);
  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256());
  EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32);
  crypto::Bytes sig(256);
  len = sig.size();
  ASSERT_EQ(EVP_PKEY_sign(ctx, sig.data(), &len, digest.data(), digest.size()), 1);
  EVP_PKEY_CTX_free(ctx);
  EXPECT_TRUE(VerifyPs256(pub->get(), digest, sig));
  digest[0] ^= 1;
  EXPECT_FALSE(VerifyPs256(pub->get(), digest, sig));
  // DER round trip.
  auto der = PublicKeyDer(pub->get());
  ASSERT_TRUE(der.ok());
  auto back = PublicKeyFromDer(*der, "der");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EVP_PKEY_eq(back->get(), pub->get()), 1);
}

TEST(KeyVaultJwk, RefusesWeakKeys) {
  crypto::Bytes small_n(128, 0xc3);  // 1024 bits
  crypto::Bytes e = {1, 0, 1};
  EXPECT_EQ(RsaPublicKeyFromJwk(small_n, e, "k").status().code(), StatusCode::kInvalidArgument);
  crypto::Bytes n(256, 0xc3);
  EXPECT_EQ(RsaPublicKeyFromJwk(n, crypto::Bytes{1}, "k").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RsaPublicKeyFromJwk(n, crypto::Bytes{4}, "k").status().code(), StatusCode::kInvalidArgument);
}

TEST(KeyVaultKid, ParsesVersionedIds) {
  auto id = ParseKid("https://myvault.vault.azure.net/keys/sdktestkey/0698c2156c1a4e1da5b6bab6f6422fd6");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->vault_url, "https://myvault.vault.azure.net");
  EXPECT_EQ(id->name, "sdktestkey");
  EXPECT_EQ(id->version, "0698c2156c1a4e1da5b6bab6f6422fd6");
  id = ParseKid("https://MyVault.vault.azure.net:443/keys/k1");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->vault_url, "https://myvault.vault.azure.net");
  EXPECT_EQ(id->version, "");
  for (const char* bad :
       {"http://v.vault.azure.net/keys/k/1", "https://v.vault.azure.net/secrets/k/1",
        "https://v.vault.azure.net/keys/k/1/wrapkey", "https://v.vault.azure.net/keys/k/../x",
        "https://v.vault.azure.net/keys/k/1?x=y", "https://v.vault.azure.net/keys/"}) {
    EXPECT_EQ(ParseKid(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(KeyVaultPages, ParsesVersionsAndNextLink) {
  std::string next;
  auto page = ParseVersionsPage(
      R"({"value":[{"kid":"https://myvault.vault.azure.net/keys/listkeyversionstest/7c9dc6775d0e4177827c4f98f482fc12",
           "attributes":{"enabled":true,"created":1493937851,"updated":1493937851,"recoveryLevel":"Recoverable+Purgeable"}},
          {"kid":"https://myvault.vault.azure.net/keys/listkeyversionstest/11","attributes":{"enabled":false}}],
 "nextLink":"https://myvault.vault.azure.net:443/keys/listkeyversionstest/versions?api-version=7.2&$skiptoken=eyJOZXh0&maxresults=1"})",
      &next, "t");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].created, 1493937851);
  EXPECT_TRUE((*page)[0].enabled);
  EXPECT_FALSE((*page)[1].enabled);
  EXPECT_EQ(next,
            "https://myvault.vault.azure.net:443/keys/listkeyversionstest/"
            "versions?api-version=7.2&$skiptoken=eyJOZXh0&maxresults=1");
  page = ParseVersionsPage(R"({"value":[],"nextLink":null})", &next, "t");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(next.empty());
  EXPECT_FALSE(ParseVersionsPage(R"({"values":[]})", &next, "t").ok());
  EXPECT_FALSE(ParseVersionsPage(R"({"value":[{"attributes":{}}]})", &next, "t").ok());
}

TEST(KeyVaultBundle, ParsesTheGetKeyExample) {
  auto b = ParseKeyBundle(
      R"({"key":{"kid":"https://myvault.vault.azure.net/keys/CreateSoftKeyTest/78deebed173b48e48f55abf87ed4cf71",
        "kty":"RSA","key_ops":["encrypt","decrypt","sign","verify","wrapKey","unwrapKey"],
        "n":"2HJAE5fU3Cw2Rt9hEuq-F6XjINKGa-zskfISVqopqUy60GOs2eyhxbWbJBeUXNor_gf-tXtNeuqeBgitLeVa640UDvnEjYTKWjCniTxZRaU7ewY8BfTSk-7KxoDdLsPSpX_MX4rwlAx-_1UGk5t4sQgTbm9T6Fm2oqFd37dsz5-Gj27UP2GTAShfJPFD7MqU_zIgOI0pfqsbNL5xTQVM29K6rX4jSPtylZV3uWJtkoQIQnrIHhk1d0SC0KwlBV3V7R_LVYjiXLyIXsFzSNYgQ68ZjAwt8iL7I8Osa-ehQLM13DVvLASaf7Jnu3sC3CWl3Gyirgded6cfMmswJzY87w",
        "e":"AQAB"},
 "attributes":{"enabled":true,"created":1493942451,"updated":1493942451,"recoveryLevel":"Recoverable+Purgeable"},
 "tags":{"purpose":"unit test","test name ":"CreateGetDeleteKeyTest"}})",
      "t");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->kty, "RSA");
  EXPECT_EQ(b->n.size(), 256u);
  EXPECT_EQ(b->e, (crypto::Bytes{1, 0, 1}));
  EXPECT_EQ(b->key_ops.size(), 6u);
  EXPECT_TRUE(b->enabled);
  auto pub = RsaPublicKeyFromJwk(b->n, b->e, "example");
  EXPECT_TRUE(pub.ok()) << pub.status().ToString();
}

}  // namespace
}  // namespace cv::backends::azure::keyvault
