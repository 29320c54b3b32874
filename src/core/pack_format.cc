#include "core/pack_format.h"

#include <algorithm>
#include <cstring>

#include "core/byte_io.h"

namespace cv {
namespace {

constexpr uint32_t kHeaderVersion = 1;
constexpr uint32_t kIndexVersion = 1;

}  // namespace

void PutEntry(ByteWriter& w, const PackEntry& e) {
  w.Bytes(e.blob_id);
  w.U64(e.offset);
  w.U32(e.stored_len);
  w.U32(e.raw_len);
  w.U8(static_cast<uint8_t>(e.compression));
}

bool GetEntry(ByteReader& r, PackEntry* e) {
  r.Bytes(&e->blob_id);
  e->offset = r.U64();
  e->stored_len = r.U32();
  e->raw_len = r.U32();
  uint8_t c = r.U8();
  if (c > static_cast<uint8_t>(Compression::kZstd)) return false;
  e->compression = static_cast<Compression>(c);
  return r.ok();
}

std::vector<uint8_t> EncodePackHeader(std::span<const PackEntry> entries) {
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  w.U32(kHeaderVersion);
  w.U32(static_cast<uint32_t>(entries.size()));
  for (const auto& e : entries) PutEntry(w, e);
  return out;
}

Result<std::vector<PackEntry>> DecodePackHeader(std::span<const uint8_t> bytes, std::string_view subject) {
  ByteReader r(bytes);
  if (r.U32() != kHeaderVersion) return Status::Corruption(subject, "unknown pack header version");
  uint32_t n = r.U32();
  std::vector<PackEntry> out(std::min<size_t>(n, bytes.size() / 49));
  if (out.size() != n) return Status::Corruption(subject, "pack header shorter than its entry count");
  for (auto& e : out) {
    if (!GetEntry(r, &e)) return Status::Corruption(subject, "malformed pack header entry");
  }
  if (r.remaining() != 0) return Status::Corruption(subject, "trailing bytes after the pack header");
  return out;
}

void AppendPackTrailer(uint32_t sealed_header_len, std::vector<uint8_t>* pack) {
  ByteWriter w(pack);
  w.U32(sealed_header_len);
  w.Bytes({reinterpret_cast<const uint8_t*>(kPackMagic.data()), kPackMagic.size()});
}

Result<uint32_t> ParsePackTrailer(std::span<const uint8_t> trailer, std::string_view subject) {
  if (trailer.size() != kPackTrailerSize ||
      std::memcmp(trailer.data() + 4, kPackMagic.data(), kPackMagic.size()) != 0) {
    return Status::Corruption(subject, "not a cassvault pack (bad trailer)");
  }
  ByteReader r(trailer);
  return r.U32();
}

std::vector<uint8_t> EncodeIndex(std::span<const IndexEntry> entries) {
  // Grouped by pack so a pack id is written once.
  std::vector<const IndexEntry*> sorted;
  sorted.reserve(entries.size());
  for (const auto& e : entries) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const IndexEntry* a, const IndexEntry* b) { return a->pack_id < b->pack_id; });
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  w.U32(kIndexVersion);
  size_t groups = 0;
  for (size_t i = 0; i < sorted.size(); ++i)
    groups += (i == 0 || sorted[i]->pack_id != sorted[i - 1]->pack_id);
  w.U32(static_cast<uint32_t>(groups));
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j]->pack_id == sorted[i]->pack_id) ++j;
    w.Bytes(sorted[i]->pack_id);
    w.U32(static_cast<uint32_t>(j - i));
    for (size_t k = i; k < j; ++k) PutEntry(w, sorted[k]->entry);
    i = j;
  }
  return out;
}

Result<std::vector<IndexEntry>> DecodeIndex(std::span<const uint8_t> bytes, std::string_view subject) {
  ByteReader r(bytes);
  if (r.U32() != kIndexVersion) return Status::Corruption(subject, "unknown index version");
  uint32_t groups = r.U32();
  std::vector<IndexEntry> out;
  for (uint32_t g = 0; g < groups && r.ok(); ++g) {
    ObjectId pack{};
    r.Bytes(&pack);
    uint32_t n = r.U32();
    if (static_cast<size_t>(n) * 49 > r.remaining())
      return Status::Corruption(subject, "index shorter than its counts");
    for (uint32_t k = 0; k < n; ++k) {
      IndexEntry e;
      e.pack_id = pack;
      if (!GetEntry(r, &e.entry)) return Status::Corruption(subject, "malformed index entry");
      out.push_back(e);
    }
  }
  if (!r.ok() || r.remaining() != 0) return Status::Corruption(subject, "malformed index");
  return out;
}

}  // namespace cv
