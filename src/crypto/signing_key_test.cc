#include "crypto/signing_key.h"

#include <gtest/gtest.h>

namespace cv::crypto {
namespace {

TEST(SigningKey, SignsAndVerifiesAndAnyChangeFails) {
  auto admin = SigningKey::Generate();
  ASSERT_TRUE(admin.ok());
  auto sig = admin->Sign(AsBytes("policy v3"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifySignature(admin->public_key(), AsBytes("policy v3"), *sig).ok());
  EXPECT_EQ(VerifySignature(admin->public_key(), AsBytes("policy v4"), *sig).code(), StatusCode::kCorruption);
  Signature64 bad = *sig;
  bad[10] ^= 1;
  EXPECT_EQ(VerifySignature(admin->public_key(), AsBytes("policy v3"), bad).code(), StatusCode::kCorruption);
  auto other = SigningKey::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(VerifySignature(other->public_key(), AsBytes("policy v3"), *sig).code(), StatusCode::kCorruption);
  EXPECT_EQ(VerifySignature(admin->public_key(), AsBytes("policy v3"), ByteView(*sig).first(63)).code(),
            StatusCode::kCorruption);
}

TEST(SigningKey, RebuiltFromItsSeedSignsTheSameAndRejectsBadLengths) {
  auto admin = SigningKey::Generate();
  ASSERT_TRUE(admin.ok());
  auto again = SigningKey::FromSeed(admin->seed());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), admin->public_key());
  // Ed25519 is deterministic: the same key signs a message the same way.
  EXPECT_EQ(*again->Sign(AsBytes("m")), *admin->Sign(AsBytes("m")));
  EXPECT_EQ(SigningKey::FromSeed(Bytes(31, 0)).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cv::crypto
