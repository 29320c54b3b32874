#include "backends/azure/identity/client_assertion.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace cv::backends::azure::identity {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string Digest(const EVP_MD* md, crypto::ByteView data) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return {};
  return Base64UrlEncode({out.data(), len});
}

// A version-4 GUID: what Entra ID expects in jti (it rejects a jti it has seen before).
Result<std::string> Guid() {
  std::array<uint8_t, 16> b{};
  CV_RETURN_IF_ERROR(crypto::RandomBytes(b));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  std::string hex = crypto::ToHex(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

}  // namespace

void ClientCertificate::KeyFree::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

std::string Base64UrlEncode(crypto::ByteView data) {
  std::string s = crypto::Base64Encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

Result<ClientCertificate> ClientCertificate::LoadPem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, "client certificate file " + path, "open");
  std::stringstream ss;
  ss << in.rdbuf();
  return FromPem(ss.str(), "client certificate file " + path);
}

Result<ClientCertificate> ClientCertificate::FromPem(std::string_view pem, const std::string& subject) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Internal(subject, "BIO_new_mem_buf failed");
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert)
    return Status::InvalidArgument(subject, "no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
  // The key may come before or after the certificate: read again from the start.
  std::unique_ptr<BIO, BioFree> bio2(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ClientCertificate c;
  // An empty passphrase: an encrypted key fails here instead of prompting on a terminal.
  c.key_.reset(PEM_read_bio_PrivateKey(bio2.get(), nullptr, nullptr, const_cast<char*>("")));
  if (!c.key_) {
    return Status::InvalidArgument(subject,
                                   "no unencrypted PEM private key in it (it needs the certificate "
                                   "and its key, e.g. `cat cert.pem key.pem`)");
  }
  if (EVP_PKEY_base_id(c.key_.get()) != EVP_PKEY_RSA) {
    return Status::NotSupported(subject, "the private key is not RSA; Entra ID client assertions use RS256");
  }
  if (X509_check_private_key(cert.get(), c.key_.get()) != 1) {
    return Status::InvalidArgument(subject, "the private key does not belong to the certificate");
  }
  int len = i2d_X509(cert.get(), nullptr);
  if (len <= 0) return Status::Internal(subject, "i2d_X509 failed");
  std::vector<uint8_t> der(static_cast<size_t>(len));
  uint8_t* p = der.data();
  i2d_X509(cert.get(), &p);
  c.x5t_ = Digest(EVP_sha1(), der);
  c.x5t_s256_ = Digest(EVP_sha256(), der);
  if (c.x5t_.empty() || c.x5t_s256_.empty()) return Status::Internal(subject, "certificate digest failed");
  return c;
}

Result<std::string> BuildClientAssertion(const ClientCertificate& cert, std::string_view audience,
                                         std::string_view client_id, int64_t now) {
  constexpr int64_t kLifetime = 600;
  nlohmann::ordered_json header = {
      {"alg", "RS256"}, {"typ", "JWT"}, {"x5t", cert.x5t()}, {"x5t#S256", cert.x5t_s256()}};
  CV_ASSIGN_OR_RETURN(std::string jti, Guid());
  nlohmann::ordered_json claims = {
      {"aud", audience}, {"iss", client_id}, {"sub", client_id},      {"jti", jti},
      {"nbf", now},      {"iat", now},       {"exp", now + kLifetime}};
  std::string signing_input =
      Base64UrlEncode(crypto::AsBytes(header.dump())) + "." + Base64UrlEncode(crypto::AsBytes(claims.dump()));

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, cert.key()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, reinterpret_cast<const uint8_t*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Status::Internal("client assertion", "RS256 signing setup failed");
  }
  std::vector<uint8_t> sig(sig_len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &sig_len, reinterpret_cast<const uint8_t*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Status::Internal("client assertion", "RS256 signing failed");
  }
  sig.resize(sig_len);
  return signing_input + "." + Base64UrlEncode(sig);
}

}  // namespace cv::backends::azure::identity
