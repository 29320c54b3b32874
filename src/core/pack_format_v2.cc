#include "core/pack_format_v2.h"

#include <cstring>
#include <map>
#include <string>

#include "core/byte_io.h"

namespace cv {
namespace {

constexpr uint32_t kHeaderVersion = 2;
constexpr size_t kEntrySize = 32 + 8 + 4 + 4 + 1;
constexpr size_t kFixedSize = 4 + 32 + 32 + 8 + 32 + 4;

}  // namespace

std::vector<uint8_t> EncodePackHeaderV2(const PackHeaderV2& h) {
  std::vector<uint8_t> out;
  out.reserve(kFixedSize + h.entries.size() * kEntrySize);
  ByteWriter w(&out);
  w.U32(kHeaderVersion);
  w.Bytes(h.pack_id);
  w.Bytes(h.content_key);
  w.U64(h.region_len);
  w.Bytes(h.region_hash);
  w.U32(static_cast<uint32_t>(h.entries.size()));
  for (const PackEntry& e : h.entries) PutEntry(w, e);
  return out;
}

Result<PackHeaderV2> DecodePackHeaderV2(std::span<const uint8_t> bytes, std::string_view subject) {
  auto bad = [&](const std::string& what) { return Status::Corruption(subject, "pack header: " + what); };
  ByteReader r(bytes);
  const uint32_t version = r.U32();
  if (!r.ok() || version != kHeaderVersion) return bad("unknown version " + std::to_string(version));
  PackHeaderV2 h;
  r.Bytes(&h.pack_id);
  r.Bytes(&h.content_key);
  h.region_len = r.U64();
  r.Bytes(&h.region_hash);
  const uint32_t n = r.U32();
  if (!r.ok()) return bad("shorter than its fixed fields");
  if (static_cast<uint64_t>(n) * kEntrySize != r.remaining()) {
    return bad(std::to_string(n) + " entries do not fill its " + std::to_string(r.remaining()) + " bytes");
  }
  h.entries.resize(n);
  uint64_t next = 0;  // entries tile the region in order: no gap an attacker could hide bytes in, no overlap
  for (uint32_t i = 0; i < n; ++i) {
    PackEntry& e = h.entries[i];
    if (!GetEntry(r, &e)) return bad("entry " + std::to_string(i) + ": unknown compression");
    if (e.offset != next)
      return bad("entry " + std::to_string(i) + " does not start where the previous one ends");
    if (e.stored_len < kMinSealedBlobV2) return bad("entry " + std::to_string(i) + " is shorter than a seal");
    next = e.offset + e.stored_len;
    if (next > h.region_len) return bad("entry " + std::to_string(i) + " ends past the blob region");
  }
  if (next != h.region_len) return bad("entries do not cover the blob region");
  return h;
}

namespace {
constexpr uint32_t kIndexVersionV2 = 2;
}  // namespace

std::vector<uint8_t> EncodeIndexV2(const IndexV2& index) {
  std::map<ObjectId, std::vector<const PackEntry*>> by_pack;
  for (const auto& e : index.entries) by_pack[e.pack_id].push_back(&e.entry);
  std::map<ObjectId, ContentKeyId> keys(index.pack_keys.begin(), index.pack_keys.end());
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  w.U32(kIndexVersionV2);
  size_t groups = 0;
  for (const auto& [pack, entries] : by_pack) groups += keys.count(pack);
  w.U32(static_cast<uint32_t>(groups));
  for (const auto& [pack, entries] : by_pack) {
    auto key = keys.find(pack);
    if (key == keys.end()) continue;
    w.Bytes(pack);
    w.Bytes(key->second);
    w.U32(static_cast<uint32_t>(entries.size()));
    for (const PackEntry* e : entries) PutEntry(w, *e);
  }
  return out;
}

Result<IndexV2> DecodeIndexV2(std::span<const uint8_t> bytes, std::string_view subject) {
  ByteReader r(bytes);
  if (r.U32() != kIndexVersionV2 || !r.ok()) return Status::Corruption(subject, "unknown index version");
  const uint32_t groups = r.U32();
  IndexV2 out;
  for (uint32_t g = 0; g < groups && r.ok(); ++g) {
    ObjectId pack{};
    ContentKeyId key{};
    r.Bytes(&pack);
    r.Bytes(&key);
    const uint32_t n = r.U32();
    if (!r.ok() || static_cast<uint64_t>(n) * kEntrySize > r.remaining())
      return Status::Corruption(subject, "index shorter than its counts");
    out.pack_keys.emplace_back(pack, key);
    for (uint32_t k = 0; k < n; ++k) {
      IndexEntry e;
      e.pack_id = pack;
      if (!GetEntry(r, &e.entry) || e.entry.stored_len < kMinSealedBlobV2)
        return Status::Corruption(subject, "malformed index entry");
      out.entries.push_back(e);
    }
  }
  if (!r.ok() || r.remaining() != 0) return Status::Corruption(subject, "malformed index");
  return out;
}

void AppendPackTrailerV2(uint32_t sealed_header_len, std::vector<uint8_t>* pack) {
  ByteWriter w(pack);
  w.U32(sealed_header_len);
  w.Bytes({reinterpret_cast<const uint8_t*>(kPackMagicV2.data()), kPackMagicV2.size()});
}

Result<PackTrailer> ParseAnyPackTrailer(std::span<const uint8_t> trailer, std::string_view subject) {
  if (trailer.size() != kPackTrailerSize)
    return Status::Corruption(subject, "not a cassvault pack (short trailer)");
  PackTrailer t;
  if (std::memcmp(trailer.data() + 4, kPackMagic.data(), kPackMagic.size()) == 0) {
    t.version = 1;
  } else if (std::memcmp(trailer.data() + 4, kPackMagicV2.data(), kPackMagicV2.size()) == 0) {
    t.version = 2;
  } else {
    return Status::Corruption(subject, "not a cassvault pack (bad trailer)");
  }
  ByteReader r(trailer);
  t.sealed_header_len = r.U32();
  return t;
}

}  // namespace cv
