// The identity kinds' pure parts, without a network: the client assertion JWT (decoded and its
// signature verified with OpenSSL), token responses and error bodies, the IMDS / App Service URLs,
// what `az` prints, form encoding and Retry-After.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "backends/azure/identity/azure_cli_credential.h"
#include "backends/azure/identity/client_assertion.h"
#include "backends/azure/identity/entra_app.h"
#include "backends/azure/identity/managed_identity.h"
#include "backends/azure/identity/token_endpoint.h"

namespace cv::backends::azure::identity {
namespace {

std::string Base64UrlDecode(std::string s) {
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4 != 0) s += '=';
  auto b = crypto::Base64Decode(s);
  return b.ok() ? std::string(b->begin(), b->end()) : "";
}

// A fresh RSA key and a self-signed certificate for it, as PEM text (cert first, then key).
struct TestCert {
  std::string pem;
  std::vector<uint8_t> der;
  EVP_PKEY* key = nullptr;
  TestCert() {
    key = EVP_RSA_gen(2048);
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("cassvault test"), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_sign(x, key, EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, x);
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(n));
    BIO_free(bio);
    int len = i2d_X509(x, nullptr);
    der.resize(static_cast<size_t>(len));
    uint8_t* p = der.data();
    i2d_X509(x, &p);
    X509_free(x);
  }
  ~TestCert() { EVP_PKEY_free(key); }
};

TEST(ClientAssertion, IsAnRs256JwtWithThumbprintsAndTheClaimsEntraIdChecks) {
  TestCert tc;
  auto cert = ClientCertificate::FromPem(tc.pem, "test pem");
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  const std::string aud = "https://login.example/tenant1/oauth2/v2.0/token";
  auto jwt = BuildClientAssertion(*cert, aud, "client-1", 1'700'000'000);
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();

  size_t d1 = jwt->find('.'), d2 = jwt->rfind('.');
  ASSERT_NE(d1, d2);
  auto header = nlohmann::json::parse(Base64UrlDecode(jwt->substr(0, d1)));
  auto claims = nlohmann::json::parse(Base64UrlDecode(jwt->substr(d1 + 1, d2 - d1 - 1)));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["typ"], "JWT");
  uint8_t sha256[32], sha1[20];
  EVP_Digest(tc.der.data(), tc.der.size(), sha256, nullptr, EVP_sha256(), nullptr);
  EVP_Digest(tc.der.data(), tc.der.size(), sha1, nullptr, EVP_sha1(), nullptr);
  EXPECT_EQ(header["x5t#S256"], Base64UrlEncode({sha256, 32}));
  EXPECT_EQ(header["x5t"], Base64UrlEncode({sha1, 20}));
  EXPECT_EQ(claims["aud"], aud);
  EXPECT_EQ(claims["iss"], "client-1");
  EXPECT_EQ(claims["sub"], "client-1");
  EXPECT_EQ(claims["nbf"], 1'700'000'000);
  EXPECT_EQ(claims["exp"], 1'700'000'600);
  EXPECT_EQ(claims["jti"].get<std::string>().size(), 36u);
  EXPECT_EQ(jwt->find('='), std::string::npos);  // base64url without padding

  std::string sig = Base64UrlDecode(jwt->substr(d2 + 1));
  std::string input = jwt->substr(0, d2);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, tc.key), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, reinterpret_cast<const uint8_t*>(sig.data()), sig.size(),
                             reinterpret_cast<const uint8_t*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);

  auto again = BuildClientAssertion(*cert, aud, "client-1", 1'700'000'000);
  EXPECT_NE(*again, *jwt);  // a new jti each time: Entra ID refuses a replayed assertion
}

TEST(ClientAssertion, RefusesPemWithoutKeyOrWithAForeignKey) {
  TestCert a, b;
  std::string cert_only = a.pem.substr(0, a.pem.find("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(ClientCertificate::FromPem(cert_only, "f").status().code(), StatusCode::kInvalidArgument);
  std::string mixed = cert_only + b.pem.substr(b.pem.find("-----BEGIN PRIVATE KEY-----"));
  auto st = ClientCertificate::FromPem(mixed, "cert.pem").status();
  EXPECT_NE(st.message().find("does not belong"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.message().find("PRIVATE"), std::string::npos);
  EXPECT_EQ(ClientCertificate::LoadPem("/nonexistent/cert.pem").status().code(), StatusCode::kNotFound);
}

TEST(TokenResponse, ReadsExpiresInOrExpiresOnAsNumbersOrStrings) {
  auto a = ParseTokenResponse(R"({"token_type":"Bearer","expires_in":3599,"access_token":"abc"})", 1000, "w");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->token, "abc");
  EXPECT_EQ(a->expires_on, 4599);
  auto imds = ParseTokenResponse(
      R"({"access_token":"x","expires_in":"3599","expires_on":"99999","resource":"https://storage.azure.com/"})",
      1000, "w");
  EXPECT_EQ(imds->expires_on, 4599);
  auto app = ParseTokenResponse(R"({"access_token":"x","expires_on":"1700000000"})", 1000, "w");
  EXPECT_EQ(app->expires_on, 1700000000);
  EXPECT_FALSE(ParseTokenResponse(R"({"access_token":"x"})", 0, "w").ok());
  EXPECT_FALSE(ParseTokenResponse(R"({"expires_in":5})", 0, "w").ok());
  EXPECT_FALSE(ParseTokenResponse("<html>", 0, "w").ok());
  // fuzz/token_json: a float lifetime beyond int64 was cast unchecked; now it is no lifetime at all.
  EXPECT_FALSE(ParseTokenResponse(R"({"access_token":"x","expires_in":1e300})", 0, "w").ok());
}

http::Response Resp(long status, std::string body, std::vector<http::Header> headers = {}) {
  http::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.body.assign(body.begin(), body.end());
  return r;
}

TEST(TokenResponse, AadErrorsNameTheCodeAndDescriptionFirstLine) {
  Status st = TokenEndpointError(
      "Azure identity 'client secret'",
      Resp(
          401,
          R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1","error_codes":[7000215]})"));
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(st.message(),
            "Azure identity 'client secret': token request failed: HTTP 401 invalid_client: AADSTS7000215: "
            "Invalid client secret provided.");
  EXPECT_EQ(TokenEndpointError("w", Resp(429, "{}")).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(TokenEndpointError("w", Resp(503, "oops")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(TokenEndpointError("w", Resp(404, "")).code(), StatusCode::kUnauthenticated);
}

TEST(TokenEndpoints, UrlsAndFormsAreSpelledAsTheServicesDocumentThem) {
  EXPECT_EQ(FormEncode({{"scope", "https://storage.azure.com/.default"}, {"a b", "x&y=z"}}),
            "scope=https%3A%2F%2Fstorage.azure.com%2F.default&a%20b=x%26y%3Dz");
  EXPECT_EQ(ScopeToResource("https://storage.azure.com/.default"), "https://storage.azure.com/");
  EXPECT_EQ((EntraApp{"", "t1", "c"}.TokenUrl()), "https://login.microsoftonline.com/t1/oauth2/v2.0/token");
  EXPECT_EQ((EntraApp{"https://login.example/", "t1", "c"}.TokenUrl()),
            "https://login.example/t1/oauth2/v2.0/token");
  EXPECT_EQ(CheckEntraApp({"http://login.example/", "t1", "c"}, "w").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckEntraApp({"", "t1/../x", "c"}, "w").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckEntraApp({"", "", "c"}, "w").code(), StatusCode::kUnauthenticated);

  ImdsCredential imds("http://169.254.169.254/", {ManagedIdentityId::Kind::kClientId, "cid"}, nullptr, true);
  EXPECT_EQ(imds.TokenUrl(kStorageScope),
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
            "https%3A%2F%2Fstorage.azure.com%2F&client_id=cid");
  ImdsCredential by_res("http://h", {ManagedIdentityId::Kind::kResourceId, "/subs/x"}, nullptr, false);
  EXPECT_NE(by_res.TokenUrl(kStorageScope).find("&msi_res_id=%2Fsubs%2Fx"), std::string::npos);
  AppServiceCredential app("http://127.0.0.1:41741/msi/token", "hdr",
                           {ManagedIdentityId::Kind::kResourceId, "/r"}, nullptr);
  EXPECT_EQ(
      app.TokenUrl(kStorageScope),
      "http://127.0.0.1:41741/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fstorage.azure.com%2F"
      "&mi_res_id=%2Fr");
}

TEST(AzureCli, ReadsExpiresOnOrTheLocalExpiresOn) {
  auto t = ParseAzCliOutput(
      R"({"accessToken":"tok","expiresOn":"2026-11-25 10:00:00.000000","expires_on":1795600000,"tenant":"t","tokenType":"Bearer"})",
      "az");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->token, "tok");
  EXPECT_EQ(t->expires_on, 1795600000);
  auto old = ParseAzCliOutput(R"({"accessToken":"tok","expiresOn":"2026-11-25 10:00:00.000000"})", "az");
  ASSERT_TRUE(old.ok());
  EXPECT_GT(old->expires_on, 1795000000);
  EXPECT_FALSE(ParseAzCliOutput("ERROR: Please run 'az login'", "az").ok());
  // fuzz/token_json: a float expires_on was cast unchecked; it is ignored for expiresOn now.
  auto floats = ParseAzCliOutput(
      R"({"accessToken":"tok","expires_on":1e300,"expiresOn":"2026-11-25 10:00:00.000000"})", "az");
  ASSERT_TRUE(floats.ok());
  EXPECT_EQ(floats->expires_on, old->expires_on);
}

TEST(AzureCli, MissingAzIsNotAvailableRatherThanAnError) {
  AzureCliCredential cli("", "/nonexistent/az");
  auto t = cli.GetToken(kStorageScope);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(t.status().message().find("not installed"), std::string::npos) << t.status().ToString();
}

}  // namespace
}  // namespace cv::backends::azure::identity
