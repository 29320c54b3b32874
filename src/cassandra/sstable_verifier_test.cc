#include "cassandra/sstable_verifier.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <random>

#include "cassandra/sstable_name.h"
#include "cassandra/test_util.h"

namespace cv::cassandra {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

uint32_t ZlibCrc(std::span<const uint8_t> data) {
  return static_cast<uint32_t>(crc32(0L, data.data(), static_cast<uInt>(data.size())));
}

void PutBigEndian32(std::vector<uint8_t>* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v >> shift));
}

// Feeds `data` in pieces of `piece` bytes and returns Finish().
Status Feed(DataFileVerifier& v, std::span<const uint8_t> data, size_t piece) {
  for (size_t pos = 0; pos < data.size(); pos += piece) {
    v.Update(data.subspan(pos, std::min(piece, data.size() - pos)));
  }
  return v.Finish();
}

// One fixture SSTable, loaded the way a backup would meet it.
struct Fixture {
  std::string data_path;
  std::string version;
  std::vector<uint8_t> data;
  std::string digest;
  CompressionInfo info;
};

Fixture LoadFixture(const std::string& data_path) {
  Fixture f;
  f.data_path = data_path;
  std::string base = data_path.substr(0, data_path.size() - std::string("Data.db").size());
  f.version = SSTableName::Parse(fs::path(data_path).filename().string())->version;
  f.data = testing::ReadBytes(data_path);
  f.digest = testing::ReadText(base + "Digest.crc32");
  std::vector<uint8_t> ci = testing::ReadBytes(base + "CompressionInfo.db");
  Result<CompressionInfo> info = ParseCompressionInfo(ci, f.version, base + "CompressionInfo.db");
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (info.ok()) f.info = *info;
  return f;
}

Status VerifyBytes(const Fixture& f, std::span<const uint8_t> data, size_t piece,
                   const std::optional<std::string>& digest = std::nullopt) {
  DataFileVerifier v(f.data_path, data.size(), digest ? digest : f.digest, f.info, std::nullopt);
  return Feed(v, data, piece);
}

TEST(Crc32Test, MatchesZlib) {
  std::vector<uint8_t> data = RandomBytes(100003, 1);
  EXPECT_EQ(Crc32(0, {}), 0u);
  EXPECT_EQ(Crc32(0, data), ZlibCrc(data));
  std::span<const uint8_t> all(data);
  uint32_t chained = Crc32(Crc32(Crc32(0, all.first(1)), all.subspan(1, 4095)), all.subspan(4096));
  EXPECT_EQ(chained, ZlibCrc(data));
  const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(Crc32(0, check), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
}

TEST(SSTableVerifierTest, AllFixturesVerify) {
  std::vector<std::string> files = testing::FixtureDataFiles();
  ASSERT_EQ(files.size(), 65u);
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    Fixture f = LoadFixture(path);
    EXPECT_EQ(f.info.compressor, "LZ4Compressor");
    EXPECT_EQ(f.info.chunk_length, f.version[0] == 'm' || f.version == "na" ? 65536u : 16384u);
    ASSERT_FALSE(f.info.chunk_offsets.empty());
    EXPECT_EQ(f.info.chunk_offsets[0], 0u);
    EXPECT_EQ(ZlibCrc(f.data), std::stoul(f.digest));
    for (size_t piece : {size_t{7919}, size_t{1}, size_t{3}, size_t{4096}, f.data.size()}) {
      Status st = VerifyBytes(f, f.data, piece);
      EXPECT_TRUE(st.ok()) << "piece " << piece << ": " << st.ToString();
    }
  }
}

// The multi-chunk fixture used by the damage tests: 21 chunks of 16 KiB.
Fixture MultiChunkFixture() {
  return LoadFixture(testing::FixturesDir() + "/nb/legacy_tables/legacy_nb_clust/nb-1-big-Data.db");
}

TEST(SSTableVerifierTest, FlippedBitInCopyNamesFileAndChunk) {
  Fixture f = MultiChunkFixture();
  ASSERT_EQ(f.info.chunk_offsets.size(), 21u);
  testing::TempDir dir;
  std::string copy = dir.path() + "/nb-1-big-Data.db";
  fs::copy_file(f.data_path, copy);
  fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write);
  std::vector<uint8_t> bytes = testing::ReadBytes(copy);
  uint64_t chunk7 = f.info.chunk_offsets[7];
  testing::FlipBits(&bytes, chunk7 + 10, 0x20);
  testing::WriteFile(copy, std::string(bytes.begin(), bytes.end()));

  std::vector<uint8_t> damaged = testing::ReadBytes(copy);
  f.data_path = copy;
  Status st = VerifyBytes(f, damaged, 7919);
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find(copy), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("chunk 7 at offset " + std::to_string(chunk7)), std::string::npos)
      << st.message();
  // Digest.crc32 catches it too, once the chunk CRCs are out of the way.
  DataFileVerifier digest_only(copy, damaged.size(), f.digest, std::nullopt, std::nullopt);
  st = Feed(digest_only, damaged, 7919);
  ASSERT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("does not match Digest.crc32"), std::string::npos) << st.message();
}

TEST(SSTableVerifierTest, DamagedStoredCrcAndSeveralChunks) {
  Fixture f = MultiChunkFixture();
  std::vector<uint8_t> bytes = f.data;
  testing::FlipBits(&bytes, f.info.chunk_offsets[3] - 2, 1);  // inside the CRC that ends chunk 2
  testing::FlipBits(&bytes, f.info.chunk_offsets[9] + 1, 1);
  Status st = VerifyBytes(f, bytes, 7919);
  ASSERT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("chunk 2 at offset " + std::to_string(f.info.chunk_offsets[2])),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("1 more bad chunks"), std::string::npos) << st.message();
}

TEST(SSTableVerifierTest, TruncatedDataFile) {
  Fixture f = MultiChunkFixture();
  std::span<const uint8_t> all(f.data);
  // Cut inside the last chunk, exactly at the start of the last chunk, and in the middle.
  for (size_t keep : {f.data.size() - 100, size_t(f.info.chunk_offsets.back()),
                      size_t(f.info.chunk_offsets[5] + 3), size_t{0}}) {
    Status st = VerifyBytes(f, all.first(keep), 7919);
    EXPECT_TRUE(st.IsCorruption()) << keep << ": " << st.ToString();
    EXPECT_NE(st.message().find(f.data_path), std::string::npos);
  }
  // The file shrank after the backup took its size: fewer bytes arrive than announced.
  DataFileVerifier v(f.data_path, f.data.size(), f.digest, f.info, std::nullopt);
  Status st = Feed(v, all.first(f.data.size() - 1), 7919);
  ASSERT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("read " + std::to_string(f.data.size() - 1) + " bytes"), std::string::npos)
      << st.message();
}

TEST(SSTableVerifierTest, ExtraBytes) {
  Fixture f = MultiChunkFixture();
  DataFileVerifier v(f.data_path, f.data.size(), f.digest, f.info, std::nullopt);
  v.Update(f.data);
  const uint8_t extra[] = {0};
  v.Update(extra);
  EXPECT_TRUE(v.Finish().IsCorruption());
}

TEST(SSTableVerifierTest, DigestProblems) {
  Fixture f = MultiChunkFixture();
  EXPECT_TRUE(VerifyBytes(f, f.data, 7919, f.digest + "\n").ok());
  Status st = VerifyBytes(f, f.data, 7919, "12345");
  ASSERT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("(12345)"), std::string::npos) << st.message();
  EXPECT_TRUE(VerifyBytes(f, f.data, 7919, "not a number").IsCorruption());
  EXPECT_TRUE(VerifyBytes(f, f.data, 7919, "").IsCorruption());
  EXPECT_TRUE(VerifyBytes(f, f.data, 7919, "99999999999").IsCorruption());
  // No Digest.crc32 at all: only the chunk CRCs are checked.
  DataFileVerifier v(f.data_path, f.data.size(), std::nullopt, f.info, std::nullopt);
  EXPECT_TRUE(Feed(v, f.data, 7919).ok());
}

TEST(SSTableVerifierTest, CompressionInfoThatDoesNotFitTheFile) {
  Fixture f = MultiChunkFixture();
  CompressionInfo bad = f.info;
  bad.chunk_offsets[4] = bad.chunk_offsets[5] + 1;  // out of order
  DataFileVerifier v(f.data_path, f.data.size(), f.digest, bad, std::nullopt);
  Status st = Feed(v, f.data, 7919);
  ASSERT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("chunk 4"), std::string::npos) << st.message();
  bad = f.info;
  bad.chunk_offsets[0] = 1;
  DataFileVerifier v2(f.data_path, f.data.size(), f.digest, bad, std::nullopt);
  EXPECT_TRUE(Feed(v2, f.data, 7919).IsCorruption());
}

TEST(CompressionInfoTest, RejectsDamage) {
  std::string path = testing::FixturesDir() + "/nb/legacy_tables/legacy_nb_clust/nb-1-big-CompressionInfo.db";
  std::vector<uint8_t> ci = testing::ReadBytes(path);
  ASSERT_TRUE(ParseCompressionInfo(ci, "nb", path).ok());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{10}, ci.size() - 8, ci.size() - 1}) {
    Result<CompressionInfo> r = ParseCompressionInfo(std::span(ci).first(cut), "nb", path);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_TRUE(r.status().IsCorruption());
    EXPECT_NE(r.status().message().find(path), std::string::npos);
  }
  std::vector<uint8_t> longer = ci;
  longer.push_back(0);
  EXPECT_TRUE(ParseCompressionInfo(longer, "nb", path).status().IsCorruption());
  // Read as a pre-"na" file, the max-compressed-length field shifts everything.
  EXPECT_TRUE(ParseCompressionInfo(ci, "ma", path).status().IsCorruption());
  EXPECT_TRUE(ParseCompressionInfo(ci, "oa", path).ok());
  EXPECT_TRUE(ParseCompressionInfo(ci, "da", path).ok());
}

// Uncompressed tables: CRC.db = i32 chunk size, then one CRC32 per chunk of Data.db.
struct CrcDbCase {
  std::vector<uint8_t> data, crc_db;
};
CrcDbCase MakeCrcDbCase(size_t size, uint32_t chunk) {
  CrcDbCase c{RandomBytes(size, 7), {}};
  PutBigEndian32(&c.crc_db, chunk);
  for (size_t pos = 0; pos < size; pos += chunk) {
    PutBigEndian32(&c.crc_db, ZlibCrc(std::span(c.data).subspan(pos, std::min<size_t>(chunk, size - pos))));
  }
  return c;
}

TEST(CrcDbTest, VerifiesAndLocatesDamage) {
  CrcDbCase c = MakeCrcDbCase(100000, 4096);  // 24 full chunks and a 1696-byte tail
  std::string digest = std::to_string(ZlibCrc(c.data));
  for (size_t piece : {size_t{7919}, size_t{1}, size_t{4096}, size_t{100000}}) {
    DataFileVerifier v("/x/nb-1-big-Data.db", c.data.size(), digest, std::nullopt, c.crc_db);
    EXPECT_TRUE(Feed(v, c.data, piece).ok()) << piece;
  }
  std::vector<uint8_t> damaged = c.data;
  testing::FlipBits(&damaged, 3 * 4096 + 5, 0x80);
  DataFileVerifier v("/x/nb-1-big-Data.db", damaged.size(), std::nullopt, std::nullopt, c.crc_db);
  Status st = Feed(v, damaged, 7919);
  ASSERT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("/x/nb-1-big-Data.db"), std::string::npos);
  EXPECT_NE(st.message().find("chunk 3 at offset 12288"), std::string::npos) << st.message();
  // Damage in the partial last chunk.
  damaged = c.data;
  testing::FlipBits(&damaged, damaged.size() - 1, 1);
  DataFileVerifier tail("/x/nb-1-big-Data.db", damaged.size(), std::nullopt, std::nullopt, c.crc_db);
  st = Feed(tail, damaged, 7919);
  EXPECT_NE(st.message().find("chunk 24 at offset 98304"), std::string::npos) << st.message();
}

TEST(CrcDbTest, WrongChecksumCount) {
  CrcDbCase c = MakeCrcDbCase(100000, 4096);
  std::span<const uint8_t> data(c.data);
  // Truncated Data.db: CRC.db now has one checksum too many.
  DataFileVerifier v("/x/nb-1-big-Data.db", 90000, std::nullopt, std::nullopt, c.crc_db);
  Status st = Feed(v, data.first(90000), 7919);
  ASSERT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("CRC.db"), std::string::npos) << st.message();
  std::vector<uint8_t> no_size = {0, 0};
  DataFileVerifier v2("/x/nb-1-big-Data.db", c.data.size(), std::nullopt, std::nullopt, no_size);
  EXPECT_TRUE(Feed(v2, data, 7919).IsCorruption());
}

TEST(CrcDbTest, TrailingCrcOfAnEmptyFlushIsAccepted) {
  // As Cassandra 5.0 writes larger uncompressed Data.db files: one extra CRC, of zero bytes (0).
  CrcDbCase c = MakeCrcDbCase(100000, 4096);
  PutBigEndian32(&c.crc_db, 0);
  DataFileVerifier v("/x/nb-1-big-Data.db", c.data.size(), std::to_string(ZlibCrc(c.data)), std::nullopt,
                     c.crc_db);
  EXPECT_TRUE(Feed(v, c.data, 7919).ok());
  // Any other extra value is still an error.
  c.crc_db.back() = 1;
  DataFileVerifier bad("/x/nb-1-big-Data.db", c.data.size(), std::nullopt, std::nullopt, c.crc_db);
  EXPECT_TRUE(Feed(bad, c.data, 7919).IsCorruption());
}

TEST(CrcDbTest, EmptyFile) {
  CrcDbCase c = MakeCrcDbCase(0, 65536);
  DataFileVerifier v("/x/nb-1-big-Data.db", 0, "0", std::nullopt, c.crc_db);
  EXPECT_TRUE(v.Finish().ok());
}

}  // namespace
}  // namespace cv::cassandra
