#include "core/consolidated_index.h"

#include <algorithm>
#include <cstring>

#include "core/byte_io.h"
#include "core/vault_layout.h"

namespace cv {

namespace {
// index/<16 hex>/<64 hex> is 87 bytes; anything much longer is not a name we write.
constexpr uint32_t kMaxNameLen = 256;
}  // namespace

std::vector<uint8_t> EncodeConsolidatedIndex(ConsolidatedIndex ci) {
  std::sort(ci.covers.begin(), ci.covers.end());
  ci.covers.erase(std::unique(ci.covers.begin(), ci.covers.end()), ci.covers.end());
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  w.Bytes({reinterpret_cast<const uint8_t*>(kConsolidatedIndexMagic.data()), kConsolidatedIndexMagic.size()});
  w.U32(static_cast<uint32_t>(ci.covers.size()));
  for (const auto& n : ci.covers) {
    w.U32(static_cast<uint32_t>(n.size()));
    w.Bytes({reinterpret_cast<const uint8_t*>(n.data()), n.size()});
  }
  std::vector<uint8_t> body = EncodeIndexV2(ci.index);
  w.Bytes(body);
  return out;
}

Result<ConsolidatedIndex> DecodeConsolidatedIndex(std::span<const uint8_t> bytes, std::string_view subject) {
  const size_t magic = kConsolidatedIndexMagic.size();
  if (bytes.size() < magic || std::memcmp(bytes.data(), kConsolidatedIndexMagic.data(), magic) != 0)
    return Status::Corruption(subject, "not a consolidated index (bad magic)");
  ByteReader r(bytes.subspan(magic));
  const uint32_t n = r.U32();
  // Each name takes at least its 4-byte length: a count beyond that is a lie, refused before allocating.
  if (!r.ok() || static_cast<uint64_t>(n) * 4 > r.remaining())
    return Status::Corruption(subject, "consolidated index shorter than its name count");
  ConsolidatedIndex out;
  out.covers.reserve(n);
  size_t pos = magic + 4;
  for (uint32_t i = 0; i < n; ++i) {
    ByteReader lr(bytes.subspan(pos));
    const uint32_t len = lr.U32();
    if (!lr.ok() || len > kMaxNameLen || len > lr.remaining())
      return Status::Corruption(subject, "malformed superseded-object name");
    std::string name(reinterpret_cast<const char*>(bytes.data() + pos + 4), len);
    pos += 4 + len;
    if (!layout::ParsePartitionedIndexKey(name))
      return Status::Corruption(subject, "names something that is not an index object");
    if (!out.covers.empty() && out.covers.back() >= name)
      return Status::Corruption(subject, "superseded names out of order");
    out.covers.push_back(std::move(name));
  }
  CV_ASSIGN_OR_RETURN(out.index, DecodeIndexV2(bytes.subspan(pos), subject));
  return out;
}

}  // namespace cv
