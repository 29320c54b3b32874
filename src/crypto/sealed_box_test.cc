#include "crypto/sealed_box.h"

#include <gtest/gtest.h>

namespace cv::crypto {
namespace {

TEST(SealedBox, OnlyTheRecipientOpensIt) {
  auto reader = X25519KeyPair::Generate();
  auto other = X25519KeyPair::Generate();
  ASSERT_TRUE(reader.ok() && other.ok());
  auto box = SealToPublicKey(reader->public_key(), AsBytes("content key"), AsBytes("vault/ck/1"));
  ASSERT_TRUE(box.ok()) << box.status().ToString();
  EXPECT_EQ(box->size(), 11 + kSealedBoxOverhead);
  auto opened = OpenSealedBox(*reader, *box, AsBytes("vault/ck/1"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(std::string(opened->view().begin(), opened->view().end()), "content key");
  EXPECT_EQ(OpenSealedBox(*other, *box, AsBytes("vault/ck/1")).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(OpenSealedBox(*reader, *box, AsBytes("vault/ck/2")).status().code(), StatusCode::kCorruption);
}

TEST(SealedBox, AKeyPairRebuiltFromItsPrivateHalfHasTheSamePublicHalfAndOpens) {
  auto reader = X25519KeyPair::Generate();
  ASSERT_TRUE(reader.ok());
  auto again = X25519KeyPair::FromPrivate(reader->private_key());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), reader->public_key());
  auto box = SealToPublicKey(reader->public_key(), AsBytes("k"), {});
  ASSERT_TRUE(box.ok());
  EXPECT_TRUE(OpenSealedBox(*again, *box, {}).ok());
}

// Found by fuzz/vault_objects: a box with no ciphertext at all (a planted content-key object) reached the
// wipe of the plaintext buffer with a null pointer (UBSan). It is Corruption, cleanly.
TEST(SealedBox, ABoxWithAnEmptyCiphertextIsCorruption) {
  auto reader = X25519KeyPair::Generate();
  ASSERT_TRUE(reader.ok());
  auto box = SealToPublicKey(reader->public_key(), AsBytes("k"), AsBytes("a"));
  ASSERT_TRUE(box.ok());
  Bytes empty(box->begin(), box->begin() + 32);  // the ephemeral key, then a tag of zeros and no ciphertext
  empty.resize(kSealedBoxOverhead, 0);
  EXPECT_EQ(OpenSealedBox(*reader, empty, AsBytes("a")).status().code(), StatusCode::kCorruption);
}

TEST(SealedBox, EachBoxUsesAFreshEphemeralKey) {
  auto reader = X25519KeyPair::Generate();
  ASSERT_TRUE(reader.ok());
  auto a = SealToPublicKey(reader->public_key(), AsBytes("same"), {});
  auto b = SealToPublicKey(reader->public_key(), AsBytes("same"), {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(Bytes(a->begin(), a->begin() + 32), Bytes(b->begin(), b->begin() + 32));
  EXPECT_NE(*a, *b);
}

TEST(SealedBox, TamperedTruncatedOrLowOrderIsCorruption) {
  auto reader = X25519KeyPair::Generate();
  ASSERT_TRUE(reader.ok());
  auto box = SealToPublicKey(reader->public_key(), AsBytes("secret"), {});
  ASSERT_TRUE(box.ok());
  for (size_t i : {size_t{0}, size_t{33}, box->size() - 1}) {
    Bytes bad = *box;
    bad[i] ^= 1;
    EXPECT_EQ(OpenSealedBox(*reader, bad, {}).status().code(), StatusCode::kCorruption) << i;
  }
  EXPECT_EQ(OpenSealedBox(*reader, ByteView(*box).first(kSealedBoxOverhead - 1), {}).status().code(),
            StatusCode::kCorruption);
  // An all-zero ephemeral key (a low-order point) gives an all-zero shared secret: refused.
  Bytes zero = *box;
  std::fill(zero.begin(), zero.begin() + 32, 0);
  EXPECT_EQ(OpenSealedBox(*reader, zero, {}).status().code(), StatusCode::kCorruption);
  PublicKey32 zero_key{};
  EXPECT_EQ(SealToPublicKey(zero_key, AsBytes("x"), {}).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cv::crypto
