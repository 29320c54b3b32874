// src/backends/azure/identity/client_assertion.h — the signed JWT a certificate credential sends instead
// of a secret: header {"alg":"RS256","typ":"JWT","x5t":SHA-1,"x5t#S256":SHA-256 of the
// certificate's DER, base64url}, claims aud (the token URL), iss = sub (the client id), jti (a random
// GUID), nbf, exp (10 minutes, as the C++ SDK), signed RSASSA-PKCS1-v1_5 with SHA-256 over OpenSSL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/crypto.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace cv::backends::azure::identity {

std::string Base64UrlEncode(crypto::ByteView data);  // no padding (RFC 7515)

class ClientCertificate {
 public:
  // A PEM file holding the certificate and its RSA private key (unencrypted), the form the Azure SDKs
  // take (AZURE_CLIENT_CERTIFICATE_PATH). Errors name the file, never its contents.
  static Result<ClientCertificate> LoadPem(const std::string& path);
  // The same from PEM text, for tests.
  static Result<ClientCertificate> FromPem(std::string_view pem, const std::string& subject);

  const std::string& x5t() const { return x5t_; }            // base64url SHA-1 of the DER certificate
  const std::string& x5t_s256() const { return x5t_s256_; }  // base64url SHA-256 of it
  EVP_PKEY* key() const { return key_.get(); }

 private:
  struct KeyFree {
    void operator()(EVP_PKEY* k) const;
  };
  std::unique_ptr<EVP_PKEY, KeyFree> key_;
  std::string x5t_, x5t_s256_;
};

// header.claims.signature, valid from `now` for 10 minutes.
Result<std::string> BuildClientAssertion(const ClientCertificate& cert, std::string_view audience,
                                         std::string_view client_id, int64_t now);

}  // namespace cv::backends::azure::identity
