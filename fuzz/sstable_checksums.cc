// fuzz/sstable_checksums.cc — the checksum components backup trusts to judge Data.db: Digest.crc32 (ASCII
// decimal), CRC.db (chunk size + per-chunk CRC32) and CompressionInfo.db's chunk offsets, fed to the
// streaming DataFileVerifier (cassandra/sstable_verifier) with a Data.db the fuzzer also chooses.
// Input: selector byte, then "<CRC.db or CompressionInfo.db>\n--\n<Digest.crc32>\n--\n<Data.db>".
// Selector bits: 0 = Digest.crc32 present, 1 = CRC.db present, 2 = compressed (CompressionInfo.db),
// bits 3-5 = where Data.db is cut between two Update calls.
#include <optional>
#include <string>

#include "cassandra/sstable_verifier.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  uint8_t sel = cv::fuzz::TakeSelector(&in);
  auto parts = cv::fuzz::SplitParts(in, 3);
  std::optional<std::string> digest;
  if (sel & 1) digest = std::string(cv::fuzz::Text(parts[1]));
  std::optional<std::vector<uint8_t>> crc_db;
  if (sel & 2) crc_db.emplace(parts[0].begin(), parts[0].end());
  std::optional<cv::cassandra::CompressionInfo> compression;
  if (sel & 4) {
    auto info = cv::cassandra::ParseCompressionInfo(parts[0], "nb", "nb-1-big-CompressionInfo.db");
    if (!info.ok()) return 0;
    compression = std::move(info).value();
  }
  std::span<const uint8_t> body = parts[2];
  cv::cassandra::DataFileVerifier verifier("nb-1-big-Data.db", body.size(), digest, compression, crc_db);
  size_t cut = body.size() * ((sel >> 3) & 7) / 7;
  verifier.Update(body.subspan(0, cut));
  verifier.Update(body.subspan(cut));
  (void)verifier.Finish();
  return 0;
}
