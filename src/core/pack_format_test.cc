#include "core/pack_format.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

PackEntry Entry(uint8_t seed, uint64_t off) {
  PackEntry e;
  e.blob_id.fill(seed);
  e.offset = off;
  e.stored_len = 100 + seed;
  e.raw_len = 90 + seed;
  e.compression = seed % 2 ? Compression::kZstd : Compression::kNone;
  return e;
}

TEST(PackFormatTest, HeaderRoundTrip) {
  std::vector<PackEntry> in = {Entry(1, 0), Entry(2, 101), Entry(3, 203)};
  auto bytes = EncodePackHeader(in);
  auto out = DecodePackHeader(bytes, "pack x");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ((*out)[2].blob_id, in[2].blob_id);
  EXPECT_EQ((*out)[1].offset, 101u);
  EXPECT_EQ((*out)[1].compression, Compression::kNone);
  EXPECT_EQ((*out)[0].compression, Compression::kZstd);
  bytes.pop_back();
  EXPECT_TRUE(DecodePackHeader(bytes, "pack x").status().IsCorruption());
}

TEST(PackFormatTest, Trailer) {
  std::vector<uint8_t> pack = {1, 2, 3};
  AppendPackTrailer(1234, &pack);
  ASSERT_EQ(pack.size(), 3 + kPackTrailerSize);
  auto len = ParsePackTrailer({pack.data() + 3, kPackTrailerSize}, "p");
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, 1234u);
  pack.back() ^= 1;
  EXPECT_TRUE(ParsePackTrailer({pack.data() + 3, kPackTrailerSize}, "p").status().IsCorruption());
}

TEST(PackFormatTest, IndexGroupsByPack) {
  std::vector<IndexEntry> in;
  for (uint8_t i = 0; i < 6; ++i) {
    IndexEntry e;
    e.pack_id.fill(static_cast<uint8_t>(i % 2));
    e.entry = Entry(i, i * 10u);
    in.push_back(e);
  }
  auto bytes = EncodeIndex(in);
  // 2 groups: 8 header + 2*(32+4) + 6*49
  EXPECT_EQ(bytes.size(), 8u + 2 * 36 + 6 * 49);
  auto out = DecodeIndex(bytes, "index y");
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 6u);
  for (const auto& e : *out) EXPECT_EQ(e.pack_id[0], e.entry.blob_id[0] % 2);
  bytes.resize(bytes.size() - 3);
  EXPECT_TRUE(DecodeIndex(bytes, "index y").status().IsCorruption());
}

}  // namespace
}  // namespace cv
