// src/crypto/crypto.h — the primitives the vault is built from, over OpenSSL 3 EVP.
//
// Hash32 names content (SHA-256 of stored bytes; HMAC-SHA256 of plaintext under the vault's id key, so
// object names reveal nothing about what a vault holds). Aead seals every object: AES-256-GCM with a
// fresh random 96-bit nonce; sealed layout = nonce(12) || ciphertext || tag(16). See docs/vault-format.md.
// All classes here are cheap to construct and NOT thread-safe; make one per thread.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace cv::crypto {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using Hash32 = std::array<uint8_t, 32>;

inline ByteView AsBytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

namespace detail {

// Key material lives in whole pages of its own, never shared with other data, so that it can be marked:
// MADV_DONTDUMP leaves it out of core dumps (even when the debug switch allows them),
// MADV_WIPEONFORK out of forked children, and mlock keeps it off swap where RLIMIT_MEMLOCK allows
// (best effort: a failed mlock is not an error).
inline void* AllocateSecretPages(size_t bytes) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t len = (bytes + page - 1) / page * page;
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::madvise(p, len, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
  ::madvise(p, len, MADV_WIPEONFORK);
#endif
  (void)::mlock(p, len);
  return p;
}

inline void FreeSecretPages(void* p, size_t bytes) noexcept {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  ::munmap(p, (bytes + page - 1) / page * page);  // fresh anonymous pages come back zeroed
}

template <class T>
struct SecretAllocator {
  using value_type = T;
  SecretAllocator() noexcept = default;
  template <class U>
  SecretAllocator(const SecretAllocator<U>&) noexcept {}
  T* allocate(size_t n) { return static_cast<T*>(AllocateSecretPages(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { FreeSecretPages(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const SecretAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace detail

// Key material: wiped on destruction, never printed, never in a core dump (detail::SecretAllocator).
// Move-only.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n);
  explicit SecretBytes(ByteView b);
  ~SecretBytes();
  SecretBytes(SecretBytes&& o) noexcept;
  SecretBytes& operator=(SecretBytes&& o) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  uint8_t* data() { return buf_.data(); }
  const uint8_t* data() const { return buf_.data(); }
  size_t size() const { return buf_.size(); }
  ByteView view() const { return {buf_.data(), buf_.size()}; }

 private:
  std::vector<uint8_t, detail::SecretAllocator<uint8_t>> buf_;
};

// Fills `out` from the OS CSPRNG (OpenSSL RAND_bytes).
Status RandomBytes(std::span<uint8_t> out);

std::string ToHex(ByteView b);
Result<Bytes> FromHex(std::string_view hex);
std::string Base64Encode(ByteView b);
Result<Bytes> Base64Decode(std::string_view s);

Hash32 Sha256(ByteView data);
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  void Update(ByteView data);
  Hash32 Finish();  // the hasher may be reused after Finish (it resets)
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// HMAC-SHA256 with a fixed key; Compute() is one-shot, Update/Finish stream.
class HmacSha256 {
 public:
  explicit HmacSha256(ByteView key);
  ~HmacSha256();
  Hash32 Compute(ByteView data);
  void Update(ByteView data);
  Hash32 Finish();  // resets for the next message
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// HKDF-SHA256: derive `len` bytes from `ikm` for the purpose named by `info`.
Result<SecretBytes> Hkdf(ByteView ikm, ByteView salt, std::string_view info, size_t len);

// scrypt (memory-hard): N=2^log2_n, r, p. Memory used is 128*r*N bytes.
// The default is OWASP's minimum in its 64 MiB form: N=2^16, r=8, p=2 is listed as equivalent to N=2^17,
// r=8, p=1 (the same work, about 0.4 s here) at half the memory, which keeps a process's peak RSS under
// cassvault's 128 MiB bound (the 128 MiB form alone reached 142 MiB).
struct ScryptParams {
  int log2_n = 16;
  int r = 8;
  int p = 2;
};
// The costs `init` and `key add` may choose (--kdf-cost C: scrypt work N*p = 2^C with r=8; memory stays at
// most 64 MiB, N=2^min(C,16), and p makes up the rest). A slot read from the store may not cost more than
// the costliest of these: N*r*p and 128*r*N bytes are capped on read.
inline constexpr int kMinKdfCost = 15;
inline constexpr int kDefaultKdfCost = 17;
inline constexpr int kMaxKdfCost = 20;
inline constexpr ScryptParams ScryptForCost(int cost) {
  return {.log2_n = cost < 16 ? cost : 16, .r = 8, .p = cost <= 16 ? 1 : 1 << (cost - 16)};
}
static_assert(ScryptForCost(kDefaultKdfCost).log2_n == ScryptParams{}.log2_n &&
              ScryptForCost(kDefaultKdfCost).p == ScryptParams{}.p);
inline constexpr uint64_t kScryptMaxWork = (uint64_t{1} << kMaxKdfCost) * 8;  // N*r*p
inline uint64_t ScryptWork(const ScryptParams& p) {
  return (uint64_t{1} << p.log2_n) * static_cast<uint64_t>(p.r) * static_cast<uint64_t>(p.p);
}
Result<SecretBytes> Scrypt(std::string_view passphrase, ByteView salt, const ScryptParams& params,
                           size_t len);

// AES-256-GCM. Seal writes SealedSize(plaintext.size()) bytes into `out`.
class Aead {
 public:
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kTagSize = 16;
  static constexpr size_t kOverhead = kNonceSize + kTagSize;
  static size_t SealedSize(size_t plaintext_size) { return plaintext_size + kOverhead; }

  explicit Aead(ByteView key32);
  ~Aead();
  // `aad` binds the ciphertext to its context (object kind), so objects cannot be swapped.
  Status Seal(ByteView plaintext, ByteView aad, std::span<uint8_t> out);
  Status Seal(ByteView plaintext, ByteView aad, Bytes* out);  // resizes *out
  // Corruption if the tag does not verify (tampered, truncated, or wrong key).
  Status Open(ByteView sealed, ByteView aad,
              std::span<uint8_t> out);  // out.size() == sealed.size()-kOverhead
  Status Open(ByteView sealed, ByteView aad, Bytes* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cv::crypto
