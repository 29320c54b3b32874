// fuzz/compression_info.cc — CompressionInfo.db as Cassandra (or whoever owns the data directory, or an
// old backup) wrote it (cassandra/sstable_verifier). The first byte picks the SSTable version, which
// decides whether max-compressed-length is present.
#include <string>

#include "cassandra/sstable_verifier.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  static const std::string kVersions[] = {"ma", "mc", "md", "me", "na", "nb", "oa", "da"};
  const std::string& version = kVersions[cv::fuzz::TakeSelector(&in) % std::size(kVersions)];
  (void)cv::cassandra::ParseCompressionInfo(in, version, "nb-1-big-CompressionInfo.db");
  return 0;
}
