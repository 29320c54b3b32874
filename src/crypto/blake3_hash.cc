#include "crypto/blake3_hash.h"

#include <blake3.h>

#include <algorithm>
#include <cstring>

#include "crypto/openssl_util.h"

namespace cv::crypto {

struct Blake3::State {
  blake3_hasher hasher{};
  bool keyed = false;
  Hash32 key{};  // kept to reset a keyed hasher; wiped with the state
  ~State() {
    ::explicit_bzero(&hasher, sizeof hasher);
    ::explicit_bzero(key.data(), key.size());
  }
  void Reset() {
    if (keyed) {
      blake3_hasher_init_keyed(&hasher, key.data());
    } else {
      blake3_hasher_init(&hasher);
    }
  }
};

Blake3::Blake3() : state_(std::make_unique<State>()) { state_->Reset(); }

Blake3::Blake3(ByteView key) : state_(std::make_unique<State>()) {
  if (key.size() != state_->key.size()) internal::OpenSslFatal("BLAKE3 key is not 32 bytes");
  state_->keyed = true;
  std::copy(key.begin(), key.end(), state_->key.begin());
  state_->Reset();
}

Blake3::~Blake3() = default;
Blake3::Blake3(Blake3&&) noexcept = default;
Blake3& Blake3::operator=(Blake3&&) noexcept = default;

void Blake3::Update(ByteView data) { blake3_hasher_update(&state_->hasher, data.data(), data.size()); }

Hash32 Blake3::Finish() {
  Hash32 out;
  blake3_hasher_finalize(&state_->hasher, out.data(), out.size());
  state_->Reset();
  return out;
}

Hash32 Blake3::Hash(ByteView data) {
  Blake3 h;
  h.Update(data);
  return h.Finish();
}

}  // namespace cv::crypto
