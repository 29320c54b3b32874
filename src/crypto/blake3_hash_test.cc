#include "crypto/blake3_hash.h"

#include <gtest/gtest.h>

#include <cstring>

namespace cv::crypto {
namespace {

Bytes Pattern(size_t n) {  // the input pattern of BLAKE3's official test vectors
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i % 251);
  return b;
}

Hash32 Key() {
  Hash32 k;
  std::memcpy(k.data(), "whats the Elvish word for friend", 32);
  return k;
}

// Expected values computed with the reference implementation (the `blake3` Python package).
TEST(Blake3, PlainHashMatchesTheReference) {
  EXPECT_EQ(ToHex(Blake3::Hash({})), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
  EXPECT_EQ(ToHex(Blake3::Hash(AsBytes("abc"))),
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
  // 100,000 bytes: many chunks, the SIMD paths.
  EXPECT_EQ(ToHex(Blake3::Hash(Pattern(100000))),
            "d93c23eedaf165a7e0be908ba86f1a7a520d568d2d13cde787c8580c5c72cc54");
}

TEST(Blake3, KeyedHashMatchesTheReference) {
  const Hash32 key = Key();
  Blake3 h(key);
  EXPECT_EQ(ToHex(h.Finish()), "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26");
  h.Update(Pattern(1025));
  EXPECT_EQ(ToHex(h.Finish()), "357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69");
}

TEST(Blake3, StreamingEqualsOneShotAndFinishResets) {
  const Bytes data = Pattern(300000);
  Blake3 h;
  for (size_t off = 0; off < data.size(); off += 7001) {
    h.Update(ByteView(data).subspan(off, std::min<size_t>(7001, data.size() - off)));
  }
  EXPECT_EQ(h.Finish(), Blake3::Hash(data));
  h.Update(AsBytes("abc"));  // after Finish, a fresh message
  EXPECT_EQ(h.Finish(), Blake3::Hash(AsBytes("abc")));
}

TEST(Blake3, KeyedDiffersFromPlainAndByKey) {
  Hash32 other = Key();
  other[0] ^= 1;
  const Hash32 key = Key();
  Blake3 a(key), b(other);
  a.Update(AsBytes("same"));
  b.Update(AsBytes("same"));
  const Hash32 ha = a.Finish();
  EXPECT_NE(ha, b.Finish());
  EXPECT_NE(ha, Blake3::Hash(AsBytes("same")));
}

}  // namespace
}  // namespace cv::crypto
