#include "core/consolidated_index.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

ObjectId Id(uint8_t b) {
  ObjectId id{};
  id.fill(b);
  return id;
}

ConsolidatedIndex Sample() {
  ConsolidatedIndex ci;
  ci.covers = {layout::IndexKey("00112233445566ff", Id(2)), layout::IndexKey("00112233445566ff", Id(1)),
               layout::IndexKey("00112233445566ff", Id(1))};
  IndexEntry e;
  e.pack_id = Id(9);
  e.entry.blob_id = Id(7);
  e.entry.offset = 0;
  e.entry.stored_len = 100;
  e.entry.raw_len = 60;
  ci.index.entries.push_back(e);
  ci.index.pack_keys.emplace_back(Id(9), Id(8));
  return ci;
}

TEST(ConsolidatedIndexTest, RoundTripsSortedAndUnique) {
  auto bytes = EncodeConsolidatedIndex(Sample());
  auto back = DecodeConsolidatedIndex(bytes, "t");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->covers.size(), 2u);
  EXPECT_EQ(back->covers[0], layout::IndexKey("00112233445566ff", Id(1)));
  EXPECT_EQ(back->covers[1], layout::IndexKey("00112233445566ff", Id(2)));
  ASSERT_EQ(back->index.entries.size(), 1u);
  EXPECT_EQ(back->index.entries[0].entry.blob_id, Id(7));
  EXPECT_EQ(back->index.entries[0].entry.stored_len, 100u);
  ASSERT_EQ(back->index.pack_keys.size(), 1u);
  EXPECT_EQ(back->index.pack_keys[0].second, Id(8));
}

TEST(ConsolidatedIndexTest, EveryTruncationIsCorruption) {
  auto bytes = EncodeConsolidatedIndex(Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodeConsolidatedIndex(std::span<const uint8_t>(bytes.data(), n), "t");
    ASSERT_FALSE(r.ok()) << "truncated to " << n;
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  }
}

TEST(ConsolidatedIndexTest, GarbageAndLiesAreCorruption) {
  std::vector<uint8_t> garbage(300, 0xab);
  EXPECT_TRUE(DecodeConsolidatedIndex(garbage, "t").status().IsCorruption());
  // The right magic, then a name count far beyond the input: refused before allocating.
  auto bytes = EncodeConsolidatedIndex(Sample());
  auto lie = bytes;
  lie[8] = lie[9] = lie[10] = lie[11] = 0xff;
  EXPECT_TRUE(DecodeConsolidatedIndex(lie, "t").status().IsCorruption());
  // A name that is not an index object's.
  ConsolidatedIndex bad = Sample();
  bad.covers = {"manifests/" + std::string(64, 'a')};
  EXPECT_TRUE(DecodeConsolidatedIndex(EncodeConsolidatedIndex(bad), "t").status().IsCorruption());
  // Trailing bytes after the body.
  auto trailing = bytes;
  trailing.push_back(0);
  EXPECT_TRUE(DecodeConsolidatedIndex(trailing, "t").status().IsCorruption());
  // Names out of order (hand-made: the encoder sorts).
  auto swapped = bytes;
  const size_t name_len = layout::IndexKey("00112233445566ff", Id(1)).size();
  std::swap_ranges(swapped.begin() + 16, swapped.begin() + 16 + name_len, swapped.begin() + 20 + name_len);
  EXPECT_TRUE(DecodeConsolidatedIndex(swapped, "t").status().IsCorruption());
}

}  // namespace
}  // namespace cv
