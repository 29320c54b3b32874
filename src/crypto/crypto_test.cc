#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace cv::crypto {
namespace {

std::string Hex(ByteView b) { return ToHex(b); }
template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return ToHex({a.data(), a.size()});
}

Bytes Unhex(std::string_view h) {
  Result<Bytes> b = FromHex(h);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? *b : Bytes{};
}

Bytes RandomBuffer(size_t n) {
  Bytes b(n);
  EXPECT_TRUE(RandomBytes(b).ok());
  return b;
}

// ---- encodings ----

TEST(HexTest, RoundTripAndCase) {
  EXPECT_EQ(ToHex(Bytes{}), "");
  EXPECT_EQ(ToHex(Bytes{0x00, 0x0f, 0xa5, 0xff}), "000fa5ff");
  EXPECT_EQ(Unhex("000FA5fF"), (Bytes{0x00, 0x0f, 0xa5, 0xff}));
  for (size_t n : {0, 1, 31, 32, 100}) {
    Bytes b = RandomBuffer(n);
    EXPECT_EQ(Unhex(ToHex(b)), b);
  }
}

TEST(HexTest, BadInput) {
  Result<Bytes> odd = FromHex("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), StatusCode::kInvalidArgument);
  Result<Bytes> bad = FromHex("00zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("offset 2"), std::string::npos) << bad.status().message();
  EXPECT_EQ(bad.status().message().find("zz"), std::string::npos) << "input must not be echoed";
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> cases[] = {{"", ""},
                                                                 {"f", "Zg=="},
                                                                 {"fo", "Zm8="},
                                                                 {"foo", "Zm9v"},
                                                                 {"foob", "Zm9vYg=="},
                                                                 {"fooba", "Zm9vYmE="},
                                                                 {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : cases) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), enc);
    Result<Bytes> dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok()) << enc << ": " << dec.status().ToString();
    EXPECT_EQ(std::string(dec->begin(), dec->end()), plain);
  }
  Bytes all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  EXPECT_NE(Base64Encode(all).find("+/"), std::string::npos);  // standard alphabet, not URL-safe
}

TEST(Base64Test, RoundTripRandom) {
  for (size_t n = 0; n < 70; ++n) {
    Bytes b = RandomBuffer(n);
    std::string enc = Base64Encode(b);
    EXPECT_EQ(enc.size() % 4, 0u);
    Result<Bytes> dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok()) << dec.status().ToString();
    EXPECT_EQ(*dec, b);
  }
}

TEST(Base64Test, RejectsBadInput) {
  for (std::string_view bad : {"Zg=", "Zg", "Z===", "====", "=Zm9", "Zm=v", "Zm9v!A==", "Zm9v\n", " Zm9v",
                               "Zh==", "Zm9=", "Zm8=Zm8=", "Zm-_"}) {
    Result<Bytes> r = Base64Decode(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "\"" << bad << "\"";
  }
}

// ---- SecretBytes, randomness ----

TEST(SecretBytesTest, MoveLeavesSourceEmpty) {
  SecretBytes a(AsBytes("0123456789abcdef0123456789abcdef"));
  SecretBytes b(std::move(a));
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move): the point
  EXPECT_EQ(b.size(), 32u);
  SecretBytes c(4);
  EXPECT_EQ(Hex(c.view()), "00000000");
  c = std::move(b);
  EXPECT_EQ(b.size(), 0u);  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_EQ(std::string(c.data(), c.data() + c.size()), "0123456789abcdef0123456789abcdef");
}

TEST(RandomBytesTest, FillsAndDiffers) {
  Bytes a = RandomBuffer(32), b = RandomBuffer(32);
  EXPECT_NE(a, b);
  EXPECT_NE(a, Bytes(32, 0));
  EXPECT_TRUE(RandomBytes({}).ok());
}

// ---- SHA-256 ----

TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(Hex(Sha256(AsBytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256(AsBytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256(AsBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, StreamingEqualsOneShotAndResets) {
  Bytes data = RandomBuffer(300000);
  Hash32 want = Sha256(data);
  Sha256Hasher h;
  for (size_t piece : {1, 63, 64, 65, 4096, 100000}) {
    for (size_t off = 0; off < data.size(); off += piece) {
      h.Update(ByteView(data).subspan(off, std::min(piece, data.size() - off)));
    }
    EXPECT_EQ(h.Finish(), want) << "piece " << piece;
  }
  h.Update(AsBytes("abc"));
  EXPECT_EQ(Hex(h.Finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(h.Finish(), Sha256({}));
}

// ---- HMAC-SHA256 (RFC 4231) ----

TEST(HmacSha256Test, Rfc4231) {
  Bytes key1(20, 0x0b);
  EXPECT_EQ(Hex(HmacSha256(key1).Compute(AsBytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256(AsBytes("Jefe")).Compute(AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Case 6: a key longer than the block size is hashed first.
  Bytes key6(131, 0xaa);
  EXPECT_EQ(Hex(HmacSha256(key6).Compute(AsBytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, ReuseAndStreaming) {
  HmacSha256 h(AsBytes("Jefe"));
  const std::string want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const std::string_view msg = "what do ya want for nothing?";
  EXPECT_EQ(Hex(h.Compute(AsBytes(msg))), want);
  EXPECT_EQ(Hex(h.Compute(AsBytes(msg))), want);  // the key survives a message
  h.Update(AsBytes(msg.substr(0, 5)));
  h.Update({});
  h.Update(AsBytes(msg.substr(5)));
  EXPECT_EQ(Hex(h.Finish()), want);
  EXPECT_EQ(h.Finish(), HmacSha256(AsBytes("Jefe")).Compute({}));  // Finish resets: the empty message

  Bytes data = RandomBuffer(200000);
  Hash32 one_shot = h.Compute(data);
  for (size_t off = 0; off < data.size(); off += 7777) {
    h.Update(ByteView(data).subspan(off, std::min<size_t>(7777, data.size() - off)));
  }
  EXPECT_EQ(h.Finish(), one_shot);
  h.Update(AsBytes("abandoned"));
  EXPECT_EQ(h.Compute(data), one_shot);  // Compute starts over
  EXPECT_NE(HmacSha256(AsBytes("other")).Compute(data), one_shot);
}

// ---- HKDF (RFC 5869) ----

TEST(HkdfTest, Rfc5869Case1) {
  Bytes ikm(22, 0x0b);
  Bytes salt = Unhex("000102030405060708090a0b0c");
  Bytes info = Unhex("f0f1f2f3f4f5f6f7f8f9");
  Result<SecretBytes> okm =
      Hkdf(ikm, salt, std::string_view(reinterpret_cast<const char*>(info.data()), info.size()), 42);
  ASSERT_TRUE(okm.ok()) << okm.status().ToString();
  EXPECT_EQ(Hex(okm->view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfTest, Rfc5869Case3EmptySaltAndInfo) {
  Result<SecretBytes> okm = Hkdf(Bytes(22, 0x0b), {}, "", 42);
  ASSERT_TRUE(okm.ok()) << okm.status().ToString();
  EXPECT_EQ(Hex(okm->view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfTest, BadLength) {
  EXPECT_EQ(Hkdf(Bytes(32, 1), {}, "x", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Hkdf(Bytes(32, 1), {}, "x", 255 * 32 + 1).status().code(), StatusCode::kInvalidArgument);
}

// ---- scrypt (RFC 7914 §12) ----

TEST(ScryptTest, Rfc7914Vectors) {
  Result<SecretBytes> a = Scrypt("", {}, {.log2_n = 4, .r = 1, .p = 1}, 64);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Hex(a->view()),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  Result<SecretBytes> b = Scrypt("password", AsBytes("NaCl"), {.log2_n = 10, .r = 8, .p = 16}, 64);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Hex(b->view()),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST(ScryptTest, DefaultParametersWork) {
  // The defaults need a little over OpenSSL's built-in 32 MiB ceiling; Scrypt must raise it.
  Result<SecretBytes> k = Scrypt("pass", AsBytes("salt"), ScryptParams{}, 32);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->size(), 32u);
}

TEST(ScryptTest, RejectsBadParameters) {
  const ScryptParams bad[] = {{.log2_n = 0, .r = 8, .p = 1},  {.log2_n = 31, .r = 8, .p = 1},
                              {.log2_n = 10, .r = 0, .p = 1}, {.log2_n = 10, .r = 8, .p = 0},
                              {.log2_n = 16, .r = 1, .p = 1},   // N must be below 2^(16r)
                              {.log2_n = 21, .r = 8, .p = 1}};  // 2 GiB: over the memory limit
  for (const ScryptParams& p : bad) {
    Result<SecretBytes> k = Scrypt("pass", AsBytes("salt"), p, 32);
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument) << p.log2_n << " " << p.r << " " << p.p;
  }
}

// ---- AES-256-GCM ----

class AeadTest : public ::testing::Test {
 protected:
  Bytes key_ = RandomBuffer(32);
  Aead aead_{key_};
  const Bytes aad_ = Bytes{'p', 'a', 'c', 'k'};
};

TEST_F(AeadTest, RoundTripManySizesOnOneContext) {
  for (size_t n : {0, 1, 15, 16, 17, 1000, 65536, 1 << 20}) {
    Bytes plain = RandomBuffer(n);
    Bytes sealed;
    ASSERT_TRUE(aead_.Seal(plain, aad_, &sealed).ok());
    EXPECT_EQ(sealed.size(), Aead::SealedSize(n));
    Bytes opened;
    Status s = aead_.Open(sealed, aad_, &opened);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(opened, plain);
    // A second Aead with the same key opens it too: nothing hidden lives in the context.
    Bytes again;
    ASSERT_TRUE(Aead(key_).Open(sealed, aad_, &again).ok());
    EXPECT_EQ(again, plain);
  }
}

TEST_F(AeadTest, SpanApiAndFreshNonces) {
  Bytes plain = RandomBuffer(100);
  Bytes a(Aead::SealedSize(plain.size())), b(a.size());
  ASSERT_TRUE(aead_.Seal(plain, aad_, std::span<uint8_t>(a)).ok());
  ASSERT_TRUE(aead_.Seal(plain, aad_, std::span<uint8_t>(b)).ok());
  EXPECT_NE(a, b);  // random nonce
  EXPECT_NE(Bytes(a.begin(), a.begin() + Aead::kNonceSize), Bytes(b.begin(), b.begin() + Aead::kNonceSize));
  Bytes out(plain.size());
  ASSERT_TRUE(aead_.Open(a, aad_, std::span<uint8_t>(out)).ok());
  EXPECT_EQ(out, plain);

  Bytes small(a.size() - 1);
  EXPECT_EQ(aead_.Seal(plain, aad_, std::span<uint8_t>(small)).code(), StatusCode::kInternal);
  Bytes small_out(plain.size() - 1);
  EXPECT_EQ(aead_.Open(a, aad_, std::span<uint8_t>(small_out)).code(), StatusCode::kInternal);
}

TEST_F(AeadTest, NistGcmTestCase16) {
  // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 96-bit IV, with AAD).
  Aead aead(Unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"));
  Bytes sealed = Unhex(
      "cafebabefacedbaddecaf888"
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e"
      "63"
      "93ba7a0abcc9f662"
      "76fc6ece0f4e1768cddf8853bb2d551b");
  Bytes plain;
  Status s = aead.Open(sealed, Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"), &plain);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Hex(plain),
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
            "b16aedf5"
            "aa0de657ba637b39");
}

TEST_F(AeadTest, TamperingAnyByteIsCorruption) {
  Bytes plain = RandomBuffer(64);
  Bytes sealed;
  ASSERT_TRUE(aead_.Seal(plain, aad_, &sealed).ok());
  // First and last byte of nonce, ciphertext and tag.
  for (size_t at : {size_t{0}, Aead::kNonceSize - 1, Aead::kNonceSize, Aead::kNonceSize + plain.size() - 1,
                    Aead::kNonceSize + plain.size(), sealed.size() - 1}) {
    Bytes bad = sealed;
    bad[at] ^= 0x01;
    Bytes out(plain.size(), 0xee);
    Status s = aead_.Open(bad, aad_, std::span<uint8_t>(out));
    EXPECT_TRUE(s.IsCorruption()) << "byte " << at << ": " << s.ToString();
    EXPECT_EQ(out, Bytes(plain.size(), 0)) << "unauthenticated plaintext must be wiped";
  }
  // The context still works after failures.
  Bytes opened;
  ASSERT_TRUE(aead_.Open(sealed, aad_, &opened).ok());
  EXPECT_EQ(opened, plain);
}

TEST_F(AeadTest, WrongAadKeyOrLengthIsCorruption) {
  Bytes plain = RandomBuffer(40);
  Bytes sealed;
  ASSERT_TRUE(aead_.Seal(plain, aad_, &sealed).ok());
  Bytes out;
  EXPECT_TRUE(aead_.Open(sealed, AsBytes("index"), &out).IsCorruption());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(aead_.Open(sealed, {}, &out).IsCorruption());
  EXPECT_TRUE(Aead(RandomBuffer(32)).Open(sealed, aad_, &out).IsCorruption());
  EXPECT_TRUE(aead_.Open(ByteView(sealed).first(sealed.size() - 1), aad_, &out).IsCorruption());
  EXPECT_TRUE(aead_.Open(ByteView(sealed).first(Aead::kOverhead - 1), aad_, &out).IsCorruption());
  EXPECT_TRUE(aead_.Open({}, aad_, &out).IsCorruption());
  Bytes longer = sealed;
  longer.push_back(0);
  EXPECT_TRUE(aead_.Open(longer, aad_, &out).IsCorruption());
}

TEST(AeadKeyTest, WrongKeySizeFailsEveryCall) {
  Aead aead(Bytes(16, 1));
  Bytes out;
  EXPECT_EQ(aead.Seal(AsBytes("x"), {}, &out).code(), StatusCode::kInternal);
  EXPECT_EQ(aead.Open(Bytes(40, 0), {}, &out).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace cv::crypto
