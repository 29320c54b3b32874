#include "vault/pack.h"

#include <unordered_map>

#include "crypto/blake3_hash.h"
#include "pipeline/cpu_stages.h"
#include "vault/blob_index.h"

namespace cv::vault {

using layout::ObjectKind;

Result<std::vector<uint8_t>> SealPackHeader(const VaultKeys& keys, std::span<const PackEntry> entries) {
  std::vector<uint8_t> header = EncodePackHeader(entries);
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> sealed, keys.Seal(ObjectKind::kPack, "", header));
  // Cheap next to the pack's blobs, and a header that does not read back would lose the pack's adoption.
  std::vector<uint8_t> reopened;
  bool opened = keys.Open(ObjectKind::kPack, "", sealed, &reopened);
  auto decoded = opened
                     ? DecodePackHeader(reopened, "new pack header")
                     : Result<std::vector<PackEntry>>(Status::Corruption("new pack header", "does not open"));
  if (!decoded.ok() || decoded->size() != entries.size()) {
    return Status::Internal("new pack header", "does not read back after sealing; nothing was uploaded");
  }
  return sealed;
}

Status FinishPackV2(const VaultKeys& keys, const ObjectId& pack_id, std::string_view name,
                    const ObjectId& content_key, std::vector<PackEntry> entries,
                    std::vector<uint8_t>* region) {
  PackHeaderV2 h;
  h.pack_id = pack_id;
  h.content_key = content_key;
  h.region_len = region->size();
  h.region_hash = crypto::Blake3::Hash(*region);
  h.entries = std::move(entries);
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> sealed, keys.Seal(ObjectKind::kPack, name, EncodePackHeaderV2(h)));
  std::vector<uint8_t> reopened;
  auto decoded = keys.Open(ObjectKind::kPack, name, sealed, &reopened)
                     ? DecodePackHeaderV2(reopened, "new pack header")
                     : Result<PackHeaderV2>(Status::Corruption("new pack header", "does not open"));
  if (!decoded.ok() || decoded->entries.size() != h.entries.size()) {
    return Status::Internal("new pack header", "does not read back after sealing; nothing was uploaded");
  }
  region->insert(region->end(), sealed.begin(), sealed.end());
  AppendPackTrailerV2(static_cast<uint32_t>(sealed.size()), region);
  return Status::OK();
}

std::string PackReader::Key(const ObjectId& pack_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!pack_partitions_.empty()) {
    auto it = pack_partitions_.find(pack_id);
    if (it != pack_partitions_.end()) return layout::PackKey(it->second, pack_id);
  }
  return layout::PackKey(partition_, pack_id);
}

void PackReader::SetPackPartitions(std::map<ObjectId, std::string> partitions) {
  std::lock_guard<std::mutex> lock(mu_);
  pack_partitions_ = std::move(partitions);
}

Result<PackContents> PackReader::OpenHeader(const ObjectId& pack_id, const PackTrailer& trailer,
                                            std::span<const uint8_t> sealed) {
  const std::string key = Key(pack_id);
  if (trailer.version != keys_.format()) {
    return Status::Corruption(key, "is a format v" + std::to_string(trailer.version) + " pack in a v" +
                                       std::to_string(keys_.format()) + " vault");
  }
  std::vector<uint8_t> plain;
  if (!keys_.Open(ObjectKind::kPack, key, sealed, &plain)) {
    return Status::Corruption(key, trailer.version == 1
                                       ? "pack header does not decrypt"
                                       : "pack header does not open as this pack's (another vault's, another "
                                         "pack's, or damaged)");
  }
  PackContents out;
  out.version = trailer.version;
  if (trailer.version == 1) {
    CV_ASSIGN_OR_RETURN(out.entries, DecodePackHeader(plain, key));
    return out;
  }
  CV_ASSIGN_OR_RETURN(PackHeaderV2 h, DecodePackHeaderV2(plain, key));
  if (h.pack_id != pack_id) return Status::Corruption(key, "pack header names another pack");
  out.entries = std::move(h.entries);
  out.content_key = h.content_key;
  out.region_len = h.region_len;
  out.region_hash = h.region_hash;
  return out;
}

namespace {
// A pack's trailer (its last kPackTrailerSize bytes) and the sealed header length it gives, checked against
// the pack's size: the one place both the ranged and the whole-pack readers take it from.
Result<PackTrailer> ParseTail(std::span<const uint8_t> tail, uint64_t pack_size, const std::string& key) {
  CV_ASSIGN_OR_RETURN(PackTrailer trailer, ParseAnyPackTrailer(tail, key));
  const uint64_t hlen = trailer.sealed_header_len;
  if (hlen + kPackTrailerSize > pack_size) return Status::Corruption(key, "header length exceeds the pack");
  if (hlen > kMaxPackHeaderSize || hlen < crypto::Aead::kOverhead)
    return Status::Corruption(key, "header length is implausible");
  return trailer;
}
}  // namespace

Result<PackContents> PackReader::ReadHeader(const ObjectId& pack_id, uint64_t pack_size) {
  std::string key = Key(pack_id);
  if (pack_size < kPackTrailerSize) return Status::Corruption(key, "too short to be a pack");
  std::vector<uint8_t> tail;
  CV_RETURN_IF_ERROR(store_.Get(key, pack_size - kPackTrailerSize, kPackTrailerSize, &tail));
  CV_ASSIGN_OR_RETURN(PackTrailer trailer, ParseTail(tail, pack_size, key));
  const uint32_t hlen = trailer.sealed_header_len;
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(store_.Get(key, pack_size - kPackTrailerSize - hlen, hlen, &sealed));
  return OpenHeader(pack_id, trailer, sealed);
}

Status PackReader::CheckHeader(const ObjectId& pack_id, uint64_t pack_size,
                               std::span<const PackEntry> expected) {
  CV_ASSIGN_OR_RETURN(PackContents header, ReadHeader(pack_id, pack_size));
  std::unordered_map<ObjectId, PackEntry, ObjectIdHash> by_id;
  for (const auto& e : header.entries) by_id.emplace(e.blob_id, e);
  for (const auto& e : expected) {
    auto it = by_id.find(e.blob_id);
    if (it == by_id.end() || it->second.offset != e.offset || it->second.stored_len != e.stored_len ||
        it->second.raw_len != e.raw_len || it->second.compression != e.compression) {
      return Status::Corruption(Key(pack_id),
                                "header does not list blob " + IdToHex(e.blob_id) + " as the index does");
    }
  }
  return Status::OK();
}

Result<PackContents> PackReader::VerifyUnindexed(const ObjectId& pack_id, uint64_t pack_size,
                                                 BlobCodec& codec) {
  std::string key = Key(pack_id);
  if (pack_size > kMaxUnindexedPackSize) {
    return Status::Corruption(key, "is " + std::to_string(pack_size) +
                                       " bytes, larger than any pack a backup " + "writes (" +
                                       std::to_string(kMaxUnindexedPackSize) + "); not read");
  }
  std::vector<uint8_t> pack;
  CV_RETURN_IF_ERROR(store_.Get(key, 0, pack_size, &pack));
  if (pack.size() != pack_size) return Status::Corruption(key, "shorter than listed");
  CV_ASSIGN_OR_RETURN(PackContents contents, CheckWhole(pack_id, pack));
  if (contents.version == 2) return contents;  // the region hash covers every blob: no content key needed
  // v1: the header is not bound to its pack, so every entry it claims must open.
  std::span<const uint8_t> region = std::span<const uint8_t>(pack).subspan(0, contents.region_len);
  std::vector<uint8_t> plain;
  for (const auto& e : contents.entries) {
    if (e.offset > region.size() || e.stored_len > region.size() - e.offset) {
      return Status::Corruption(key,
                                "entry for blob " + IdToHex(e.blob_id) + " lies outside the blob region");
    }
    Status st = codec.Open(e, region.subspan(e.offset, e.stored_len), nullptr, &plain);
    if (!st.ok()) return Status::Corruption(key, "entry does not check out: " + st.message());
  }
  return contents;
}

Result<PackContents> PackReader::CheckWhole(const ObjectId& pack_id, std::span<const uint8_t> bytes) {
  const std::string key = Key(pack_id);
  if (bytes.size() < kPackTrailerSize) return Status::Corruption(key, "too short to be a pack");
  if (keys_.format() == 1 && crypto::Sha256(bytes) != pack_id)
    return Status::Corruption(key, "content does not match its name");
  CV_ASSIGN_OR_RETURN(PackTrailer trailer,
                      ParseTail(bytes.subspan(bytes.size() - kPackTrailerSize), bytes.size(), key));
  const uint32_t hlen = trailer.sealed_header_len;
  const size_t header_start = bytes.size() - kPackTrailerSize - hlen;
  CV_ASSIGN_OR_RETURN(PackContents contents, OpenHeader(pack_id, trailer, bytes.subspan(header_start, hlen)));
  std::span<const uint8_t> region = bytes.subspan(0, header_start);
  if (contents.version == 1) {
    contents.region_len = header_start;
    return contents;
  }
  // The header opened with the metadata key and names this pack; its entries tile the region it commits to.
  if (contents.region_len != region.size() || crypto::Blake3::Hash(region) != contents.region_hash)
    return Status::Corruption(key, "blobs do not match the hash its header commits to");
  return contents;
}

Status PackReader::ReadBlob(const IndexEntry& loc, BlobCodec& codec, const ContentKey* key,
                            std::vector<uint8_t>* out) {
  std::string pack_key = Key(loc.pack_id);
  std::span<const uint8_t> sealed;
  // A length of 0 would ask the store for "to the end": no sealed blob is that short anyway.
  if (loc.entry.stored_len < codec.SealOverhead()) {
    return Status::Corruption(
        pack_key, "entry for blob " + IdToHex(loc.entry.blob_id) + " is shorter than a sealed blob");
  }
  {
    pipeline::CpuStages::Scope timed("pack_read");  // counted only when the caller counts (ops/restore_files)
    auto view = store_.GetView(pack_key, loc.entry.offset, loc.entry.stored_len, &codec.sealed_buffer());
    if (!view.ok()) return view.status();
    sealed = *view;
  }
  return codec.Open(loc.entry, sealed, key, out).Annotate(pack_key);
}

}  // namespace cv::vault
