#include "crypto/object_sealer.h"

#include <gtest/gtest.h>

#include <set>

namespace cv::crypto {
namespace {

Bytes Root(uint8_t fill) { return Bytes(32, fill); }

TEST(ObjectSealer, SealOpenRoundTripAndLayout) {
  ObjectSealer s(Root(7));
  Bytes sealed;
  ASSERT_TRUE(s.Seal(AsBytes("hello"), AsBytes("aad"), &sealed).ok());
  ASSERT_EQ(sealed.size(), 5 + ObjectSealer::kOverhead);
  EXPECT_EQ(sealed[0], ObjectSealer::kScheme);
  Bytes out;
  ASSERT_TRUE(s.Open(sealed, AsBytes("aad"), &out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), "hello");
  // Another sealer over the same root (another process) opens it too.
  ObjectSealer other(Root(7));
  ASSERT_TRUE(other.Open(sealed, AsBytes("aad"), &out).ok());
}

TEST(ObjectSealer, EveryMessageGetsItsOwnSaltSoEqualPlaintextsDiffer) {
  ObjectSealer s(Root(1));
  std::set<Bytes> salts, seals;
  for (int i = 0; i < 100; ++i) {
    Bytes sealed;
    ASSERT_TRUE(s.Seal(AsBytes("same"), AsBytes("a"), &sealed).ok());
    salts.insert(Bytes(sealed.begin() + 1, sealed.begin() + 1 + ObjectSealer::kSaltSize));
    seals.insert(sealed);
  }
  EXPECT_EQ(salts.size(), 100u);
  EXPECT_EQ(seals.size(), 100u);
}

TEST(ObjectSealer, WrongAadWrongRootTamperedOrTruncatedIsCorruption) {
  ObjectSealer s(Root(2));
  Bytes sealed, out;
  ASSERT_TRUE(s.Seal(AsBytes("payload"), AsBytes("kind=index name=x"), &sealed).ok());
  EXPECT_EQ(s.Open(sealed, AsBytes("kind=index name=y"), &out).code(), StatusCode::kCorruption);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(ObjectSealer(Root(3)).Open(sealed, AsBytes("kind=index name=x"), &out).code(),
            StatusCode::kCorruption);
  for (size_t i : {size_t{1}, size_t{20}, sealed.size() - 1}) {  // salt, ciphertext, tag
    Bytes bad = sealed;
    bad[i] ^= 0x40;
    EXPECT_EQ(s.Open(bad, AsBytes("kind=index name=x"), &out).code(), StatusCode::kCorruption) << i;
  }
  Bytes v1 = sealed;
  v1[0] = 1;
  Status st = s.Open(v1, AsBytes("kind=index name=x"), &out);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.ToString().find("unknown sealing scheme 1"), std::string::npos) << st.ToString();
  EXPECT_EQ(
      s.Open(ByteView(sealed).first(ObjectSealer::kOverhead - 1), AsBytes("kind=index name=x"), &out).code(),
      StatusCode::kCorruption);
}

TEST(ObjectSealer, RefusesToSealPastItsBudget) {
  ObjectSealer s(Root(4), /*budget=*/3);
  Bytes sealed;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.Seal(AsBytes("x"), {}, &sealed).ok());
  Bytes last = sealed;
  Status st = s.Seal(AsBytes("x"), {}, &sealed);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.ToString().find("budget of 3"), std::string::npos) << st.ToString();
  EXPECT_TRUE(sealed.empty());
  EXPECT_EQ(s.sealed_count(), 3u);
  Bytes out;
  EXPECT_TRUE(s.Open(last, {}, &out).ok());  // opening is not limited
}

TEST(ObjectSealer, WrongSizedRootFailsEveryCall) {
  ObjectSealer s(Bytes(16, 0));
  Bytes sealed;
  EXPECT_EQ(s.Seal(AsBytes("x"), {}, &sealed).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace cv::crypto
