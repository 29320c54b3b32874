// src/cassandra/sstable_verifier.cc — Digest.crc32, CompressionInfo.db and CRC.db.
//
// The verifier never holds a chunk: it runs the chunk CRC over whatever slice of the chunk each
// Update() brings and buffers only the 4 stored CRC bytes, so memory stays constant whatever the
// chunk length or the caller's buffer size.
#include "cassandra/sstable_verifier.h"

#include <isa-l.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "cassandra/read_file.h"
#include "cassandra/sstable_name.h"

namespace cv::cassandra {

uint32_t Crc32(uint32_t crc, std::span<const uint8_t> data) {
  if (data.empty()) return crc;
  return crc32_gzip_refl(crc, data.data(), data.size());
}

namespace {

// Big-endian reader over CompressionInfo.db / CRC.db; every read checks the remaining length.
class BigEndianReader {
 public:
  explicit BigEndianReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  bool ReadU64(uint64_t* v) {
    if (remaining() < 8) return false;
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = (r << 8) | bytes_[pos_++];
    *v = r;
    return true;
  }
  bool ReadU32(uint32_t* v) {
    if (remaining() < 4) return false;
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i) r = (r << 8) | bytes_[pos_++];
    *v = r;
    return true;
  }
  bool ReadI32(int32_t* v) {
    uint32_t u = 0;
    if (!ReadU32(&u)) return false;
    *v = static_cast<int32_t>(u);
    return true;
  }
  // Java DataOutput.writeUTF: u16 length, then modified UTF-8 (plain ASCII for class names and options).
  bool ReadUtf(std::string* s) {
    if (remaining() < 2) return false;
    size_t len = (size_t{bytes_[pos_]} << 8) | bytes_[pos_ + 1];
    pos_ += 2;
    if (remaining() < len) return false;
    s->assign(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return true;
  }
  size_t remaining() const { return bytes_.size() - pos_; }
  size_t pos() const { return pos_; }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

// BigFormat writes the max compressed length from "na" on; BtiFormat ("da", ...) always does. Big
// versions run "ja".."oa", so only "ja" <= version < "na" lacks it.
bool HasMaxCompressedLength(const std::string& version) { return !(version >= "ja" && version < "na"); }

std::string Hex32(uint32_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s = "0x00000000";
  for (int i = 9; i >= 2; --i, v >>= 4) s[static_cast<size_t>(i)] = kDigits[v & 0xf];
  return s;
}

uint32_t LoadBigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

Result<CompressionInfo> ParseCompressionInfo(std::span<const uint8_t> bytes, const std::string& version,
                                             const std::string& subject) {
  BigEndianReader r(bytes);
  auto truncated = [&](const char* field) {
    return Status::Corruption(subject, std::string("truncated CompressionInfo: no room for ") + field +
                                           " at byte " + std::to_string(r.pos()));
  };
  CompressionInfo info;
  if (!r.ReadUtf(&info.compressor)) return truncated("the compressor name");
  int32_t option_count = 0;
  if (!r.ReadI32(&option_count)) return truncated("the option count");
  if (option_count < 0) {
    return Status::Corruption(subject, "negative option count " + std::to_string(option_count));
  }
  for (int32_t i = 0; i < option_count; ++i) {
    std::string key, value;
    if (!r.ReadUtf(&key) || !r.ReadUtf(&value)) return truncated("a compression option");
  }
  int32_t chunk_length = 0;
  if (!r.ReadI32(&chunk_length)) return truncated("the chunk length");
  if (chunk_length <= 0) return Status::Corruption(subject, "chunk length " + std::to_string(chunk_length));
  info.chunk_length = static_cast<uint32_t>(chunk_length);
  if (HasMaxCompressedLength(version)) {
    int32_t max_compressed_length = 0;
    if (!r.ReadI32(&max_compressed_length)) return truncated("the max compressed length");
  }
  if (!r.ReadU64(&info.data_length)) return truncated("the data length");
  if (info.data_length > (uint64_t{1} << 62)) {
    return Status::Corruption(subject,
                              "data length " + std::to_string(info.data_length) + " is not plausible");
  }
  int32_t chunk_count = 0;
  if (!r.ReadI32(&chunk_count)) return truncated("the chunk count");
  // At least ceil(data_length / chunk_length) chunks. Not exactly: Cassandra 5.0 closes a chunk early
  // at some boundaries (seen on a live node: 4 chunks of 16 KiB holding 41,439 bytes), so a chunk may
  // hold less than chunk_length.
  uint64_t expected_chunks = (info.data_length + info.chunk_length - 1) / info.chunk_length;
  if (chunk_count < 0 || static_cast<uint64_t>(chunk_count) < expected_chunks) {
    return Status::Corruption(subject, std::to_string(chunk_count) + " chunks of " +
                                           std::to_string(chunk_length) + " bytes cannot hold " +
                                           std::to_string(info.data_length) + " uncompressed bytes");
  }
  if (r.remaining() != static_cast<uint64_t>(chunk_count) * 8) {
    return Status::Corruption(subject, std::to_string(chunk_count) + " chunk offsets need " +
                                           std::to_string(static_cast<uint64_t>(chunk_count) * 8) +
                                           " bytes, " + std::to_string(r.remaining()) + " remain");
  }
  info.chunk_offsets.resize(static_cast<size_t>(chunk_count));
  for (uint64_t& offset : info.chunk_offsets) {
    if (!r.ReadU64(&offset)) return truncated("a chunk offset");
  }
  return info;
}

struct DataFileVerifier::Impl {
  std::string path;
  uint64_t size = 0;
  uint64_t seen = 0;      // bytes fed so far
  uint32_t file_crc = 0;  // over the whole file, for Digest.crc32
  Status setup_error;     // metadata that cannot describe this file; reported by Finish
  std::optional<uint32_t> expected_digest;

  // A sequence of checksummed regions: region i covers [starts[i], ends[i]) and its CRC32 is
  // expected[i] (CRC.db) or stored in the 4 bytes at ends[i] (compressed chunks).
  struct Chunks {
    std::vector<uint64_t> starts, ends;
    std::vector<uint32_t> expected;  // empty: CRCs are inline after each chunk
    size_t index = 0;
    uint32_t crc = 0;
    uint8_t stored[4] = {};
    size_t stored_len = 0;
    uint64_t bad_count = 0;
    std::string first_bad;  // detail of the first mismatch
  };
  std::optional<Chunks> compressed, uncompressed;

  void SetError(const std::string& detail) {
    if (setup_error.ok()) setup_error = Status::Corruption(path, detail);
  }

  void SetUpCompressed(const CompressionInfo& info) {
    const std::vector<uint64_t>& off = info.chunk_offsets;
    Chunks c;
    for (size_t i = 0; i < off.size(); ++i) {
      uint64_t next = i + 1 < off.size() ? off[i + 1] : size;
      if ((i == 0 && off[0] != 0) || next < off[i] + 4) {
        SetError(
            "CompressionInfo chunk " + std::to_string(i) + " at offset " + std::to_string(off[i]) +
            " does not fit before " + std::to_string(next) +
            (i + 1 < off.size() ? " (next chunk)" : " (end of the " + std::to_string(size) + "-byte file)"));
        return;
      }
      c.starts.push_back(off[i]);
      c.ends.push_back(next - 4);
    }
    if (off.empty() && size != 0) {
      SetError("CompressionInfo lists no chunks but the file has " + std::to_string(size) + " bytes");
      return;
    }
    compressed = std::move(c);
  }

  void SetUpUncompressed(const std::vector<uint8_t>& crc_db) {
    BigEndianReader r(crc_db);
    int32_t chunk_size = 0;
    if (!r.ReadI32(&chunk_size) || chunk_size <= 0) {
      SetError("CRC.db does not start with a positive chunk size");
      return;
    }
    uint64_t n = (size + static_cast<uint64_t>(chunk_size) - 1) / static_cast<uint64_t>(chunk_size);
    // Cassandra 5.0 may close the file with one more flush of an empty buffer, whose CRC (of zero
    // bytes) is 0: seen on a live node, 620 CRCs for 619 chunks of a 40,521,625-byte Data.db.
    bool trailing_empty = r.remaining() == (n + 1) * 4 && crc_db.size() >= 4 &&
                          crc_db[crc_db.size() - 1] == 0 && crc_db[crc_db.size() - 2] == 0 &&
                          crc_db[crc_db.size() - 3] == 0 && crc_db[crc_db.size() - 4] == 0;
    if (r.remaining() != n * 4 && !trailing_empty) {
      SetError("CRC.db holds " + std::to_string(r.remaining()) + " bytes of checksums; " +
               std::to_string(size) + " bytes in chunks of " + std::to_string(chunk_size) + " need " +
               std::to_string(n * 4));
      return;
    }
    Chunks c;
    for (uint64_t i = 0; i < n; ++i) {
      c.starts.push_back(i * static_cast<uint64_t>(chunk_size));
      c.ends.push_back(std::min(size, (i + 1) * static_cast<uint64_t>(chunk_size)));
      uint32_t v = 0;
      (void)r.ReadU32(&v);  // length checked above
      c.expected.push_back(v);
    }
    uncompressed = std::move(c);
  }

  void Check(Chunks& c, uint32_t stored) {
    if (stored != c.crc) {
      if (c.bad_count++ == 0) {
        c.first_bad = "chunk " + std::to_string(c.index) + " at offset " + std::to_string(c.starts[c.index]) +
                      ": CRC32 mismatch (stored " + Hex32(stored) + ", computed " + Hex32(c.crc) + ")";
      }
    }
    ++c.index;
    c.crc = 0;
    c.stored_len = 0;
  }

  // Feeds bytes that start at file offset `pos`.
  void Feed(Chunks& c, uint64_t pos, std::span<const uint8_t> bytes) {
    bool inline_crc = c.expected.empty();
    while (!bytes.empty() && c.index < c.starts.size()) {
      uint64_t start = c.starts[c.index], end = c.ends[c.index];
      uint64_t crc_end = inline_crc ? end + 4 : end;
      if (pos >= crc_end) {  // cannot happen with consistent offsets; guards against a stuck loop
        ++c.index;
        continue;
      }
      if (pos < start) {  // a gap the metadata does not cover; SetUp rejects such layouts
        size_t skip = static_cast<size_t>(std::min<uint64_t>(start - pos, bytes.size()));
        bytes = bytes.subspan(skip);
        pos += skip;
        continue;
      }
      if (pos < end) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(end - pos, bytes.size()));
        c.crc = Crc32(c.crc, bytes.first(n));
        bytes = bytes.subspan(n);
        pos += n;
        if (pos == end && !inline_crc) Check(c, c.expected[c.index]);
        continue;
      }
      size_t n = std::min<size_t>(4 - c.stored_len, bytes.size());
      std::copy_n(bytes.begin(), n, c.stored + c.stored_len);
      c.stored_len += n;
      bytes = bytes.subspan(n);
      pos += n;
      if (c.stored_len == 4) Check(c, LoadBigEndian32(c.stored));
    }
  }

  Status ChunkStatus(const Chunks& c) const {
    if (c.bad_count > 0) {
      std::string more = c.bad_count > 1 ? "; " + std::to_string(c.bad_count - 1) + " more bad chunks" : "";
      return Status::Corruption(path, c.first_bad + more);
    }
    if (c.index != c.starts.size()) {
      return Status::Corruption(path, "only " + std::to_string(c.index) + " of " +
                                          std::to_string(c.starts.size()) + " chunks were read");
    }
    return Status::OK();
  }
};

DataFileVerifier::DataFileVerifier(std::string data_path, uint64_t data_size,
                                   std::optional<std::string> digest,
                                   std::optional<CompressionInfo> compression,
                                   std::optional<std::vector<uint8_t>> crc_db)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(data_path);
  impl_->size = data_size;
  if (digest) {
    // Cassandra writes the decimal without a newline; tolerate whitespace a copy tool might add.
    std::string_view d = *digest;
    while (!d.empty() && std::isspace(static_cast<unsigned char>(d.front()))) d.remove_prefix(1);
    while (!d.empty() && std::isspace(static_cast<unsigned char>(d.back()))) d.remove_suffix(1);
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
    if (d.empty() || ec != std::errc() || end != d.data() + d.size()) {
      impl_->SetError("Digest.crc32 holds '" + std::string(d.substr(0, 40)) + "', not a decimal CRC32");
    } else {
      impl_->expected_digest = v;
    }
  }
  if (compression) impl_->SetUpCompressed(*compression);
  if (crc_db && !compression) impl_->SetUpUncompressed(*crc_db);
}

DataFileVerifier::~DataFileVerifier() = default;

void DataFileVerifier::Update(std::span<const uint8_t> bytes) {
  Impl& s = *impl_;
  uint64_t pos = s.seen;
  s.seen += bytes.size();
  if (pos + bytes.size() > s.size) {
    s.SetError("more bytes arrived than the " + std::to_string(s.size) + " expected");
    if (pos >= s.size) return;
    bytes = bytes.first(static_cast<size_t>(s.size - pos));
  }
  s.file_crc = Crc32(s.file_crc, bytes);
  if (s.compressed) s.Feed(*s.compressed, pos, bytes);
  if (s.uncompressed) s.Feed(*s.uncompressed, pos, bytes);
}

Status DataFileVerifier::Finish() {
  Impl& s = *impl_;
  // A bad chunk is the most precise report, so it goes first.
  if (s.compressed && s.compressed->bad_count > 0) return s.ChunkStatus(*s.compressed);
  if (s.uncompressed && s.uncompressed->bad_count > 0) return s.ChunkStatus(*s.uncompressed);
  CV_RETURN_IF_ERROR(s.setup_error);
  if (s.seen != s.size) {
    return Status::Corruption(
        s.path, "read " + std::to_string(s.seen) + " bytes, expected " + std::to_string(s.size));
  }
  if (s.compressed) CV_RETURN_IF_ERROR(s.ChunkStatus(*s.compressed));
  if (s.uncompressed) CV_RETURN_IF_ERROR(s.ChunkStatus(*s.uncompressed));
  if (s.expected_digest && *s.expected_digest != s.file_crc) {
    return Status::Corruption(s.path, "CRC32 " + std::to_string(s.file_crc) +
                                          " does not match Digest.crc32 (" +
                                          std::to_string(*s.expected_digest) + ")");
  }
  return Status::OK();
}

Result<std::unique_ptr<DataFileVerifier>> OpenDataFileVerifier(const std::string& data_path,
                                                               uint64_t data_size) {
  constexpr std::string_view kData = "Data.db";
  if (data_path.size() < kData.size() ||
      data_path.compare(data_path.size() - kData.size(), kData.size(), kData) != 0) {
    return Status::InvalidArgument(data_path, "not a Data.db component");
  }
  std::string prefix = data_path.substr(0, data_path.size() - kData.size());
  constexpr size_t kMaxSidecar = 256u << 20;  // CompressionInfo of a multi-TB SSTable stays far below
  auto read_if_present = [&](const std::string& path) -> Result<std::optional<std::string>> {
    auto r = ReadDataDirFile(path, kMaxSidecar);  // beside Data.db: the Cassandra account can swap it
    if (r.ok()) return std::optional<std::string>(std::move(r).value());
    if (r.status().IsNotFound()) return std::optional<std::string>();
    return r.status();
  };
  CV_ASSIGN_OR_RETURN(std::optional<std::string> digest, read_if_present(prefix + "Digest.crc32"));
  CV_ASSIGN_OR_RETURN(std::optional<std::string> comp_bytes, read_if_present(prefix + "CompressionInfo.db"));
  CV_ASSIGN_OR_RETURN(std::optional<std::string> crc_bytes, read_if_present(prefix + "CRC.db"));
  std::optional<CompressionInfo> compression;
  if (comp_bytes) {
    std::string file = prefix.substr(prefix.rfind('/') + 1);
    auto name = SSTableName::Parse(file + "Data.db");
    const std::string& comp = *comp_bytes;
    CV_ASSIGN_OR_RETURN(compression,
                        ParseCompressionInfo({reinterpret_cast<const uint8_t*>(comp.data()), comp.size()},
                                             name ? name->version : "nb", prefix + "CompressionInfo.db"));
  }
  std::optional<std::vector<uint8_t>> crc_db;
  if (crc_bytes) crc_db = std::vector<uint8_t>(crc_bytes->begin(), crc_bytes->end());
  return std::make_unique<DataFileVerifier>(data_path, data_size, digest, compression, crc_db);
}

}  // namespace cv::cassandra
