#include "core/pack_format_v2.h"

#include <gtest/gtest.h>

#include <map>

namespace cv {
namespace {

PackHeaderV2 Sample() {
  PackHeaderV2 h;
  h.pack_id.fill(0x11);
  h.content_key.fill(0x22);
  h.region_hash.fill(0x33);
  uint64_t off = 0;
  for (uint8_t i = 0; i < 3; ++i) {
    PackEntry e;
    e.blob_id.fill(i);
    e.offset = off;
    e.stored_len = 100 + i;
    e.raw_len = 200;
    e.compression = i == 1 ? Compression::kZstd : Compression::kNone;
    off += e.stored_len;
    h.entries.push_back(e);
  }
  h.region_len = off;
  return h;
}

TEST(PackFormatV2, HeaderRoundTrips) {
  const PackHeaderV2 h = Sample();
  auto back = DecodePackHeaderV2(EncodePackHeaderV2(h), "packs/x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->pack_id, h.pack_id);
  EXPECT_EQ(back->content_key, h.content_key);
  EXPECT_EQ(back->region_len, h.region_len);
  EXPECT_EQ(back->region_hash, h.region_hash);
  ASSERT_EQ(back->entries.size(), 3u);
  EXPECT_EQ(back->entries[1].compression, Compression::kZstd);
  EXPECT_EQ(back->entries[2].offset, 201u);
}

TEST(PackFormatV2, EntriesMustTileTheRegion) {
  auto decode = [](const PackHeaderV2& h) {
    return DecodePackHeaderV2(EncodePackHeaderV2(h), "packs/x").status();
  };
  PackHeaderV2 gap = Sample();
  gap.entries[1].offset += 1;
  EXPECT_NE(decode(gap).ToString().find("does not start where the previous one ends"), std::string::npos);
  PackHeaderV2 past = Sample();
  past.region_len -= 1;
  EXPECT_NE(decode(past).ToString().find("ends past the blob region"), std::string::npos);
  PackHeaderV2 uncovered = Sample();
  uncovered.region_len += 5;  // bytes in the region no entry accounts for
  EXPECT_NE(decode(uncovered).ToString().find("do not cover"), std::string::npos);
  PackHeaderV2 tiny = Sample();
  tiny.entries[0].stored_len = kMinSealedBlobV2 - 1;
  EXPECT_EQ(decode(tiny).code(), StatusCode::kCorruption);
}

TEST(PackFormatV2, TruncatedExtendedOrOtherVersionIsCorruption) {
  std::vector<uint8_t> bytes = EncodePackHeaderV2(Sample());
  for (size_t cut : {size_t{0}, size_t{3}, size_t{50}, bytes.size() - 1}) {
    EXPECT_EQ(DecodePackHeaderV2(std::span(bytes).first(cut), "p").status().code(), StatusCode::kCorruption)
        << cut;
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(DecodePackHeaderV2(longer, "p").status().code(), StatusCode::kCorruption);
  std::vector<uint8_t> v1 = bytes;
  v1[0] = 1;
  EXPECT_EQ(DecodePackHeaderV2(v1, "p").status().code(), StatusCode::kCorruption);
  // An entry count claiming billions is refused from the sizes, before anything is allocated.
  std::vector<uint8_t> huge = bytes;
  const size_t count_at = 4 + 32 + 32 + 8 + 32;
  huge[count_at + 3] = 0x7f;
  EXPECT_EQ(DecodePackHeaderV2(huge, "p").status().code(), StatusCode::kCorruption);
}

TEST(PackFormatV2, TrailerTellsTheVersion) {
  std::vector<uint8_t> v1, v2;
  AppendPackTrailer(77, &v1);
  AppendPackTrailerV2(88, &v2);
  auto t1 = ParseAnyPackTrailer(v1, "a");
  auto t2 = ParseAnyPackTrailer(v2, "b");
  ASSERT_TRUE(t1.ok() && t2.ok());
  EXPECT_EQ(t1->version, 1);
  EXPECT_EQ(t1->sealed_header_len, 77u);
  EXPECT_EQ(t2->version, 2);
  EXPECT_EQ(t2->sealed_header_len, 88u);
  v2[11] = 'X';
  EXPECT_EQ(ParseAnyPackTrailer(v2, "b").status().code(), StatusCode::kCorruption);
  // v1's own parser still refuses v2 packs, so an older reader stops rather than misreads.
  std::vector<uint8_t> v2b;
  AppendPackTrailerV2(1, &v2b);
  EXPECT_EQ(ParsePackTrailer(v2b, "c").status().code(), StatusCode::kCorruption);
}

TEST(PackFormatV2, IndexNamesEachPacksContentKeyAndRoundTrips) {
  IndexV2 index;
  ObjectId p1{}, p2{}, k1{}, k2{};
  p1[0] = 1;
  p2[0] = 2;
  k1[0] = 0xa1;
  k2[0] = 0xa2;
  for (uint8_t i = 0; i < 3; ++i) {
    PackEntry e;
    e.blob_id[0] = i;
    e.offset = uint64_t{100} * i;
    e.stored_len = 100;
    e.raw_len = 67;
    index.entries.push_back({i == 2 ? p2 : p1, e});
  }
  index.pack_keys = {{p2, k2}, {p1, k1}};
  auto back = DecodeIndexV2(EncodeIndexV2(index), "index/x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->entries.size(), 3u);
  std::map<ObjectId, ObjectId> keys(back->pack_keys.begin(), back->pack_keys.end());
  EXPECT_EQ(keys.at(p1), k1);
  EXPECT_EQ(keys.at(p2), k2);
  for (const auto& e : back->entries) EXPECT_EQ(e.entry.raw_len, 67u);
  // A pack with no key is left out (a writer's bug, not a silently keyless pack).
  index.pack_keys = {{p1, k1}};
  auto partial = DecodeIndexV2(EncodeIndexV2(index), "index/x");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->entries.size(), 2u);
  // Truncated, extended, another version, an entry shorter than a seal: Corruption.
  auto bytes = EncodeIndexV2(index);
  auto cut = bytes;
  cut.pop_back();
  EXPECT_TRUE(DecodeIndexV2(cut, "index/x").status().IsCorruption());
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_TRUE(DecodeIndexV2(longer, "index/x").status().IsCorruption());
  auto v1 = bytes;
  v1[0] = 1;
  EXPECT_TRUE(DecodeIndexV2(v1, "index/x").status().IsCorruption());
  index.entries[0].entry.stored_len = kMinSealedBlobV2 - 1;
  EXPECT_TRUE(DecodeIndexV2(EncodeIndexV2(index), "index/x").status().IsCorruption());
}

}  // namespace
}  // namespace cv
