#include "vault/pack.h"

#include <unordered_map>

#include "vault/blob_index.h"

namespace cv::vault {

Result<std::vector<uint8_t>> SealPackHeader(const crypto::MasterKey& key,
                                            std::span<const PackEntry> entries) {
  std::vector<uint8_t> header = EncodePackHeader(entries);
  crypto::Aead aead(key.data_key().view());
  std::vector<uint8_t> sealed, reopened;
  CV_RETURN_IF_ERROR(aead.Seal(header, crypto::AsBytes(kPackHeaderAad), &sealed));
  // Cheap next to the pack's blobs, and a header that does not read back would lose the pack's adoption.
  Status st = aead.Open(sealed, crypto::AsBytes(kPackHeaderAad), &reopened);
  auto decoded = st.ok() ? DecodePackHeader(reopened, "new pack header") : Result<std::vector<PackEntry>>(st);
  if (!decoded.ok() || decoded->size() != entries.size()) {
    return Status::Internal("new pack header", "does not read back after sealing; nothing was uploaded");
  }
  return sealed;
}

Result<std::vector<PackEntry>> PackReader::OpenHeader(std::string_view pack_key,
                                                      std::span<const uint8_t> sealed) {
  crypto::Aead aead(key_.data_key().view());
  std::vector<uint8_t> plain;
  if (!aead.Open(sealed, crypto::AsBytes(kPackHeaderAad), &plain).ok()) {
    return Status::Corruption(pack_key, "pack header does not decrypt");
  }
  return DecodePackHeader(plain, pack_key);
}

Result<std::vector<PackEntry>> PackReader::ReadHeader(const ObjectId& pack_id, uint64_t pack_size) {
  std::string key = layout::PackKey(pack_id);
  if (pack_size < kPackTrailerSize) return Status::Corruption(key, "too short to be a pack");
  std::vector<uint8_t> trailer;
  CV_RETURN_IF_ERROR(store_.Get(key, pack_size - kPackTrailerSize, kPackTrailerSize, &trailer));
  CV_ASSIGN_OR_RETURN(uint32_t hlen, ParsePackTrailer(trailer, key));
  if (hlen + kPackTrailerSize > pack_size) return Status::Corruption(key, "header length exceeds the pack");
  if (hlen > kMaxPackHeaderSize || hlen < crypto::Aead::kOverhead)
    return Status::Corruption(key, "header length is implausible");
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(store_.Get(key, pack_size - kPackTrailerSize - hlen, hlen, &sealed));
  return OpenHeader(key, sealed);
}

Status PackReader::CheckHeader(const ObjectId& pack_id, uint64_t pack_size,
                               std::span<const PackEntry> expected) {
  CV_ASSIGN_OR_RETURN(auto header, ReadHeader(pack_id, pack_size));
  std::unordered_map<ObjectId, PackEntry, ObjectIdHash> by_id;
  for (const auto& e : header) by_id.emplace(e.blob_id, e);
  for (const auto& e : expected) {
    auto it = by_id.find(e.blob_id);
    if (it == by_id.end() || it->second.offset != e.offset || it->second.stored_len != e.stored_len ||
        it->second.raw_len != e.raw_len || it->second.compression != e.compression) {
      return Status::Corruption(layout::PackKey(pack_id),
                                "header does not list blob " + IdToHex(e.blob_id) + " as the index does");
    }
  }
  return Status::OK();
}

Result<std::vector<PackEntry>> PackReader::VerifyUnindexed(const ObjectId& pack_id, uint64_t pack_size,
                                                           BlobCodec& codec) {
  std::string key = layout::PackKey(pack_id);
  if (pack_size > kMaxUnindexedPackSize) {
    return Status::Corruption(key, "is " + std::to_string(pack_size) +
                                       " bytes, larger than any pack a backup " + "writes (" +
                                       std::to_string(kMaxUnindexedPackSize) + "); not read");
  }
  std::vector<uint8_t> pack;
  CV_RETURN_IF_ERROR(store_.Get(key, 0, pack_size, &pack));
  if (pack.size() != pack_size) return Status::Corruption(key, "shorter than listed");
  if (crypto::Sha256(pack) != pack_id) return Status::Corruption(key, "content does not match its name");
  // The entries of a pack held whole in memory, from its trailer and sealed header.
  if (pack.size() < kPackTrailerSize) return Status::Corruption(key, "too short to be a pack");
  std::span<const uint8_t> bytes(pack);
  CV_ASSIGN_OR_RETURN(uint32_t hlen, ParsePackTrailer(bytes.subspan(bytes.size() - kPackTrailerSize), key));
  if (uint64_t{hlen} + kPackTrailerSize > bytes.size())
    return Status::Corruption(key, "header length exceeds the pack");
  size_t header_start = bytes.size() - kPackTrailerSize - hlen;
  CV_ASSIGN_OR_RETURN(auto entries, OpenHeader(key, bytes.subspan(header_start, hlen)));
  std::vector<uint8_t> plain;
  for (const auto& e : entries) {
    if (e.offset > header_start || e.stored_len > header_start - e.offset) {
      return Status::Corruption(key,
                                "entry for blob " + IdToHex(e.blob_id) + " lies outside the blob region");
    }
    Status st = codec.Open(e, bytes.subspan(e.offset, e.stored_len), &plain);
    if (!st.ok()) return Status::Corruption(key, "entry does not check out: " + st.message());
  }
  return entries;
}

Status PackReader::ReadBlob(const IndexEntry& loc, BlobCodec& codec, std::vector<uint8_t>* out) {
  std::vector<uint8_t> sealed;
  std::string pack_key = layout::PackKey(loc.pack_id);
  // A length of 0 would ask the store for "to the end": no sealed blob is that short anyway.
  if (loc.entry.stored_len < crypto::Aead::kOverhead) {
    return Status::Corruption(
        pack_key, "entry for blob " + IdToHex(loc.entry.blob_id) + " is shorter than a sealed blob");
  }
  CV_RETURN_IF_ERROR(store_.Get(pack_key, loc.entry.offset, loc.entry.stored_len, &sealed));
  return codec.Open(loc.entry, sealed, out).Annotate(pack_key);
}

}  // namespace cv::vault
