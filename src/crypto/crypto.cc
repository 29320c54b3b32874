// Secrets, randomness, SHA-256, HMAC-SHA256, HKDF and scrypt over OpenSSL 3. AEAD lives in aead.cc,
// hex/base64 in encoding.cc.
#include "crypto/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/openssl_util.h"

namespace cv::crypto {

namespace internal {

[[noreturn]] void OpenSslFatal(const char* what) {
  // Only reachable through allocation failure or a bug: the void-returning hash APIs cannot report it,
  // and a wrong digest must never be stored, so stop.
  std::fprintf(stderr, "cassvault: fatal: OpenSSL %s failed\n", what);
  std::abort();
}

const EVP_MD* Sha256Md() {
  // Fetched once: the implicit fetch behind EVP_sha256() costs a lock and a lookup on every init.
  static EVP_MD* const kMd = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (kMd == nullptr) OpenSslFatal("fetching SHA256");
  return kMd;
}

}  // namespace internal

using internal::Check;
using internal::OpenSslFatal;
using internal::Sha256Md;

namespace {

// OpenSSL rejects a null pointer for an empty key or salt in places; this gives empty spans an address.
const uint8_t kEmpty[1] = {0};
const uint8_t* NonNull(ByteView b) { return b.empty() ? kEmpty : b.data(); }

EVP_MAC* HmacMac() {
  static EVP_MAC* const kMac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (kMac == nullptr) OpenSslFatal("fetching HMAC");
  return kMac;
}

}  // namespace

// ---- SecretBytes ----

SecretBytes::SecretBytes(size_t n) : buf_(n) {}
SecretBytes::SecretBytes(ByteView b) : buf_(b.begin(), b.end()) {}
SecretBytes::~SecretBytes() {
  if (!buf_.empty()) OPENSSL_cleanse(buf_.data(), buf_.size());
}
// Moving a vector hands over its buffer, so no copy of the secret is left behind to wipe.
SecretBytes::SecretBytes(SecretBytes&& o) noexcept : buf_(std::move(o.buf_)) { o.buf_.clear(); }
SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    if (!buf_.empty()) OPENSSL_cleanse(buf_.data(), buf_.size());
    buf_ = std::move(o.buf_);
    o.buf_.clear();
  }
  return *this;
}

// ---- Randomness ----

Status RandomBytes(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    int n = static_cast<int>(std::min<size_t>(out.size() - done, INT_MAX));
    if (RAND_bytes(out.data() + done, n) != 1) {
      return Status::Internal("random number generator", "OpenSSL RAND_bytes failed");
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

// ---- SHA-256 ----

Hash32 Sha256(ByteView data) {
  Hash32 out;
  Check(EVP_Digest(data.data(), data.size(), out.data(), nullptr, Sha256Md(), nullptr), "SHA-256");
  return out;
}

struct Sha256Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr) OpenSslFatal("EVP_MD_CTX_new");
  Check(EVP_DigestInit_ex(impl_->ctx, Sha256Md(), nullptr), "SHA-256 init");
}
Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(ByteView data) {
  if (!data.empty()) Check(EVP_DigestUpdate(impl_->ctx, data.data(), data.size()), "SHA-256 update");
}

Hash32 Sha256Hasher::Finish() {
  Hash32 out;
  Check(EVP_DigestFinal_ex(impl_->ctx, out.data(), nullptr), "SHA-256 final");
  Check(EVP_DigestInit_ex(impl_->ctx, Sha256Md(), nullptr), "SHA-256 init");
  return out;
}

// ---- HMAC-SHA256 ----

// The key is set once. Starting a message re-inits with a null key, which makes the HMAC provider restore
// its keyed state instead of rehashing the key; no allocation per message beyond OpenSSL's digest copy.
struct HmacSha256::Impl {
  enum class State { kFresh, kStreaming, kSpent };
  EVP_MAC_CTX* ctx = nullptr;
  State state = State::kFresh;
  ~Impl() { EVP_MAC_CTX_free(ctx); }

  void Restart() {
    Check(EVP_MAC_init(ctx, nullptr, 0, nullptr), "HMAC init");
    state = State::kFresh;
  }
};

HmacSha256::HmacSha256(ByteView key) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MAC_CTX_new(HmacMac());
  if (impl_->ctx == nullptr) OpenSslFatal("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  Check(EVP_MAC_init(impl_->ctx, NonNull(key), key.size(), params), "HMAC init");
}
HmacSha256::~HmacSha256() = default;

// One-shot: abandons a stream in progress.
Hash32 HmacSha256::Compute(ByteView data) {
  if (impl_->state != Impl::State::kFresh) impl_->Restart();
  Update(data);
  return Finish();
}

void HmacSha256::Update(ByteView data) {
  if (impl_->state == Impl::State::kSpent) impl_->Restart();
  impl_->state = Impl::State::kStreaming;
  if (!data.empty()) Check(EVP_MAC_update(impl_->ctx, data.data(), data.size()), "HMAC update");
}

Hash32 HmacSha256::Finish() {
  if (impl_->state == Impl::State::kSpent) impl_->Restart();  // the MAC of the empty message
  Hash32 out;
  size_t len = 0;
  Check(EVP_MAC_final(impl_->ctx, out.data(), &len, out.size()), "HMAC final");
  if (len != out.size()) OpenSslFatal("HMAC final length");
  impl_->state = Impl::State::kSpent;  // re-inited lazily, so a Finish costs nothing when no message follows
  return out;
}

// ---- HKDF-SHA256 ----

Result<SecretBytes> Hkdf(ByteView ikm, ByteView salt, std::string_view info, size_t len) {
  // RFC 5869 caps the output at 255 hash blocks.
  if (len == 0 || len > size_t{255} * 32) {
    return Status::InvalidArgument("HKDF", "output length " + std::to_string(len) + " is outside 1..8160");
  }
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return Status::Internal("HKDF", "OpenSSL has no HKDF");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return Status::Internal("HKDF", "EVP_KDF_CTX_new failed");

  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  OSSL_PARAM* p = params;
  *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  // OSSL_PARAM takes non-const pointers for inputs too; OpenSSL only reads them.
  *p++ =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(NonNull(ikm)), ikm.size());
  // An absent salt means HashLen zero bytes (RFC 5869 §2.2), which is what OpenSSL does when none is set.
  if (!salt.empty()) {
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()),
                                             salt.size());
  }
  if (!info.empty()) {
    *p++ =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size());
  }
  *p = OSSL_PARAM_construct_end();

  SecretBytes out(len);
  int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) return Status::Internal("HKDF", "EVP_KDF_derive failed");
  return out;
}

// ---- scrypt ----

namespace {

// The most memory scrypt may use (128*r*N bytes): 1 GiB, thirty-two times the default.
constexpr uint64_t kScryptMaxMemory = uint64_t{1} << 30;

Status ValidateScryptParams(const ScryptParams& params) {
  // Bounds keep a hostile or corrupt key slot from asking for unbounded memory or time.
  if (params.log2_n < 1 || params.log2_n > 30) {
    return Status::InvalidArgument("scrypt", "log2_n " + std::to_string(params.log2_n) + " is outside 1..30");
  }
  if (params.r < 1 || params.r > 64) {
    return Status::InvalidArgument("scrypt", "r " + std::to_string(params.r) + " is outside 1..64");
  }
  // RFC 7914 §2 requires N < 2^(128*r/8); OpenSSL refuses otherwise.
  if (params.log2_n >= 16 * params.r) {
    return Status::InvalidArgument("scrypt", "log2_n must be below 16*r");
  }
  if (params.p < 1 || params.p > 64) {
    return Status::InvalidArgument("scrypt", "p " + std::to_string(params.p) + " is outside 1..64");
  }
  // Work, not only memory: p multiplies the time at no memory cost, so a slot that claims p=64 would take
  // minutes to try. No slot `init` or `key add` writes costs more than kScryptMaxWork.
  if (ScryptWork(params) > kScryptMaxWork) {
    return Status::InvalidArgument("scrypt", "parameters need N*r*p = " + std::to_string(ScryptWork(params)) +
                                                 ", more than the limit of " +
                                                 std::to_string(kScryptMaxWork));
  }
  const uint64_t mem = 128 * static_cast<uint64_t>(params.r) * (uint64_t{1} << params.log2_n);
  if (mem > kScryptMaxMemory) {
    return Status::InvalidArgument("scrypt", "parameters need " + std::to_string(mem >> 20) +
                                                 " MiB of memory, more than the limit of " +
                                                 std::to_string(kScryptMaxMemory >> 20) + " MiB");
  }
  return Status::OK();
}

}  // namespace

Result<SecretBytes> Scrypt(std::string_view passphrase, ByteView salt, const ScryptParams& params,
                           size_t len) {
  CV_RETURN_IF_ERROR(ValidateScryptParams(params));
  if (len == 0) return Status::InvalidArgument("scrypt", "output length is zero");
  const uint64_t n = uint64_t{1} << params.log2_n;
  const uint64_t r = static_cast<uint64_t>(params.r);
  const uint64_t p = static_cast<uint64_t>(params.p);
  // OpenSSL's own ceiling defaults to 32 MiB, which the default parameters just exceed; allow what these
  // parameters need (V is 128*r*(N+2) bytes, B is 128*r*p) plus slack, bounded by ValidateScryptParams.
  const uint64_t maxmem = 128 * r * (n + 2) + 128 * r * p + (uint64_t{1} << 20);
  SecretBytes out(len);
  // A non-null pointer for the empty passphrase: OpenSSL reads a null one as "no password".
  const char* pass = passphrase.empty() ? "" : passphrase.data();
  int rc = EVP_PBE_scrypt(pass, passphrase.size(), NonNull(salt), salt.size(), n, r, p, maxmem, out.data(),
                          out.size());
  if (rc != 1) return Status::Internal("scrypt", "EVP_PBE_scrypt failed (out of memory?)");
  return out;
}

}  // namespace cv::crypto
