#include "core/consolidated_catalog.h"

#include <algorithm>
#include <cstring>

#include "core/byte_io.h"

namespace cv {
namespace {

constexpr size_t kHeaderSize = 8 + 8 + 4;
constexpr size_t kCountOffset = 16;
// The smallest an entry can be: two lengths and a one-byte name.
constexpr size_t kMinEntrySize = 2 + 1 + 4;

std::span<const uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

ConsolidatedCatalogWriter::ConsolidatedCatalogWriter(int64_t listed_at) {
  ByteWriter w(&body_);
  w.Bytes(AsSpan(kConsolidatedCatalogMagic));
  w.U64(static_cast<uint64_t>(listed_at));
  w.U32(0);  // the count, set by Finish
}

Status ConsolidatedCatalogWriter::Add(std::string_view name, std::string_view record_json) {
  if (name.empty() || name.size() > 0xffff)
    return Status::InvalidArgument("consolidated catalog entry", "name is empty or too long");
  if (count_ > 0 && name <= last_)
    return Status::InvalidArgument("consolidated catalog entry " + std::string(name),
                                   "names must be added in increasing order");
  if (record_json.size() > 0xffffffffu || count_ == 0xffffffffu)
    return Status::InvalidArgument("consolidated catalog entry " + std::string(name), "too large");
  ByteWriter w(&body_);
  uint16_t n = static_cast<uint16_t>(name.size());
  body_.push_back(static_cast<uint8_t>(n & 0xff));
  body_.push_back(static_cast<uint8_t>(n >> 8));
  w.Bytes(AsSpan(name));
  w.U32(static_cast<uint32_t>(record_json.size()));
  w.Bytes(AsSpan(record_json));
  last_.assign(name);
  ++count_;
  return Status::OK();
}

std::vector<uint8_t> ConsolidatedCatalogWriter::Finish() && {
  std::memcpy(body_.data() + kCountOffset, &count_, 4);
  return std::move(body_);
}

const ConsolidatedCatalogEntry* ConsolidatedCatalogView::Find(std::string_view name) const {
  auto it =
      std::lower_bound(entries.begin(), entries.end(), name,
                       [](const ConsolidatedCatalogEntry& e, std::string_view n) { return e.name < n; });
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

Result<ConsolidatedCatalogView> ParseConsolidatedCatalog(std::span<const uint8_t> body,
                                                         std::string_view subject) {
  auto bad = [&](std::string_view what) { return Status::Corruption(subject, what); };
  if (body.size() < kHeaderSize) return bad("is shorter than a consolidated catalog's header");
  if (std::memcmp(body.data(), kConsolidatedCatalogMagic.data(), kConsolidatedCatalogMagic.size()) != 0)
    return bad("is not a consolidated catalog (unknown magic)");
  ByteReader r(body.subspan(kConsolidatedCatalogMagic.size()));
  ConsolidatedCatalogView view;
  view.listed_at = static_cast<int64_t>(r.U64());
  uint32_t count = r.U32();
  // A count the body cannot hold is refused before anything is allocated for it.
  if (count > r.remaining() / kMinEntrySize) return bad("names more entries than it holds");
  view.entries.reserve(count);
  size_t pos = kHeaderSize;
  for (uint32_t i = 0; i < count; ++i) {
    if (body.size() - pos < 2) return bad("is truncated (entry name length)");
    size_t name_len = body[pos] | (size_t{body[pos + 1]} << 8);
    pos += 2;
    if (name_len == 0 || body.size() - pos < name_len) return bad("is truncated (entry name)");
    std::string_view name(reinterpret_cast<const char*>(body.data()) + pos, name_len);
    pos += name_len;
    if (body.size() - pos < 4) return bad("is truncated (record length)");
    uint32_t rec_len = 0;
    std::memcpy(&rec_len, body.data() + pos, 4);
    pos += 4;
    if (body.size() - pos < rec_len) return bad("is truncated (record)");
    std::string_view rec(reinterpret_cast<const char*>(body.data()) + pos, rec_len);
    pos += rec_len;
    if (!view.entries.empty() && name <= view.entries.back().name)
      return bad("has entries out of order or twice");
    view.entries.push_back({name, rec});
  }
  if (pos != body.size()) return bad("has bytes after its last entry");
  return view;
}

}  // namespace cv
