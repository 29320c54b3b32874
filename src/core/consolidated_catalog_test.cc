#include "core/consolidated_catalog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cv {
namespace {

std::vector<uint8_t> Sample() {
  ConsolidatedCatalogWriter w(1764979200);
  EXPECT_TRUE(w.Add("backups/20261125T141500Z-0000000a", R"({"backup_id":"a"})").ok());
  EXPECT_TRUE(w.Add("catalog/20261206/20261206T010000Z-0000000b", R"({"backup_id":"b"})").ok());
  EXPECT_TRUE(w.Add("catalog/20261206/20261206T020000Z-0000000c", "").ok());
  return std::move(w).Finish();
}

TEST(ConsolidatedCatalog, RoundTrip) {
  auto body = Sample();
  auto view = ParseConsolidatedCatalog(body, "x");
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->listed_at, 1764979200);
  ASSERT_EQ(view->entries.size(), 3u);
  EXPECT_EQ(view->entries[0].name, "backups/20261125T141500Z-0000000a");
  EXPECT_EQ(view->entries[0].record_json, R"({"backup_id":"a"})");
  EXPECT_EQ(view->entries[2].record_json, "");
  ASSERT_NE(view->Find("catalog/20261206/20261206T010000Z-0000000b"), nullptr);
  EXPECT_EQ(view->Find("catalog/20261206/20261206T010000Z-0000000b")->record_json, R"({"backup_id":"b"})");
  EXPECT_EQ(view->Find("catalog/20261206/nope"), nullptr);
}

TEST(ConsolidatedCatalog, EmptyRoundTrip) {
  auto body = ConsolidatedCatalogWriter(7).Finish();
  auto view = ParseConsolidatedCatalog(body, "x");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->listed_at, 7);
  EXPECT_TRUE(view->entries.empty());
}

TEST(ConsolidatedCatalog, WriterRefusesUnsortedAndEmptyNames) {
  ConsolidatedCatalogWriter w(0);
  ASSERT_TRUE(w.Add("b", "1").ok());
  EXPECT_EQ(w.Add("a", "2").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Add("b", "2").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Add("", "2").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.count(), 1u);
}

// Every proper prefix of a valid body is refused as Corruption, never read past its end.
TEST(ConsolidatedCatalog, EveryTruncationIsCorruption) {
  auto body = Sample();
  for (size_t n = 0; n < body.size(); ++n) {
    std::vector<uint8_t> cut(body.begin(), body.begin() + static_cast<long>(n));
    auto view = ParseConsolidatedCatalog(cut, "catalog-full/x");
    ASSERT_FALSE(view.ok()) << "prefix of " << n << " bytes parsed";
    EXPECT_EQ(view.status().code(), StatusCode::kCorruption);
    EXPECT_NE(view.status().ToString().find("catalog-full/x"), std::string::npos);
  }
}

TEST(ConsolidatedCatalog, GarbageIsCorruption) {
  auto body = Sample();
  // Trailing bytes.
  auto longer = body;
  longer.push_back(0);
  EXPECT_EQ(ParseConsolidatedCatalog(longer, "x").status().code(), StatusCode::kCorruption);
  // Wrong magic.
  auto magic = body;
  magic[0] ^= 1;
  EXPECT_EQ(ParseConsolidatedCatalog(magic, "x").status().code(), StatusCode::kCorruption);
  // A count far beyond what the body holds (refused before any allocation for it).
  auto count = body;
  count[16] = count[17] = count[18] = count[19] = 0xff;
  EXPECT_EQ(ParseConsolidatedCatalog(count, "x").status().code(), StatusCode::kCorruption);
  // A record length past the end.
  auto rec = body;
  size_t first_rec_len = 20 + 2 + std::string("backups/20261125T141500Z-0000000a").size();
  rec[first_rec_len + 3] = 0x7f;
  EXPECT_EQ(ParseConsolidatedCatalog(rec, "x").status().code(), StatusCode::kCorruption);
  // Names out of order: swap the first letter of the second name below the first's.
  auto order = Sample();
  size_t second_name = first_rec_len + 4 + std::string(R"({"backup_id":"a"})").size() + 2;
  ASSERT_EQ(order[second_name], 'c');
  order[second_name] = 'a';
  EXPECT_EQ(ParseConsolidatedCatalog(order, "x").status().code(), StatusCode::kCorruption);
  // Random garbage of many lengths never parses as more entries than it can hold, nor crashes.
  uint32_t x = 12345;
  for (size_t n = 0; n < 300; ++n) {
    std::vector<uint8_t> g(n);
    for (auto& b : g) b = static_cast<uint8_t>((x = x * 1103515245u + 12345u) >> 16);
    if (n >= 8) std::copy(kConsolidatedCatalogMagic.begin(), kConsolidatedCatalogMagic.end(), g.begin());
    auto v = ParseConsolidatedCatalog(g, "x");
    if (v.ok()) {
      EXPECT_LE(v->entries.size() * 7, n);
    }
  }
}

}  // namespace
}  // namespace cv
