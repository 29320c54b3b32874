#include "vault/blob_codec.h"

namespace cv::vault {
namespace {

std::string BlobAad(const ObjectId& id) { return "cassvault/v1/blob/" + IdToHex(id); }

}  // namespace

BlobCodec::BlobCodec(const crypto::MasterKey& key, int zstd_level)
    : aead_(key.data_key().view()), hmac_(key.id_key().view()), compressor_(zstd_level) {}

Result<Compression> BlobCodec::Seal(const ObjectId& id, std::span<const uint8_t> plaintext, bool try_compress,
                                    std::span<const uint8_t>* sealed) {
  std::span<const uint8_t> compressed =
      try_compress ? compressor_.MaybeCompressView(plaintext) : std::span<const uint8_t>();
  Compression c = compressed.empty() ? Compression::kNone : Compression::kZstd;
  std::span<const uint8_t> payload = compressed.empty() ? plaintext : compressed;
  size_t n = crypto::Aead::SealedSize(payload.size());
  if (sealed_.size() < n) sealed_.resize(n);
  CV_RETURN_IF_ERROR(
      aead_.Seal(payload, crypto::AsBytes(BlobAad(id)), std::span<uint8_t>(sealed_.data(), n)));
  *sealed = std::span<const uint8_t>(sealed_.data(), n);
  return c;
}

Status BlobCodec::Open(const PackEntry& e, std::span<const uint8_t> sealed, std::vector<uint8_t>* plaintext) {
  std::string subject = "blob " + IdToHex(e.blob_id);
  std::string aad = BlobAad(e.blob_id);
  if (e.compression == Compression::kZstd) {
    Status st = aead_.Open(sealed, crypto::AsBytes(aad), &scratch_);
    if (!st.ok()) return Status::Corruption(subject, "does not decrypt: " + st.message());
    CV_RETURN_IF_ERROR(Decompress(scratch_, e.raw_len, plaintext).Annotate(subject));
  } else {
    Status st = aead_.Open(sealed, crypto::AsBytes(aad), plaintext);
    if (!st.ok()) return Status::Corruption(subject, "does not decrypt: " + st.message());
  }
  if (plaintext->size() != e.raw_len) return Status::Corruption(subject, "wrong length");
  if (BlobId(*plaintext) != e.blob_id) return Status::Corruption(subject, "content does not match its id");
  return Status::OK();
}

}  // namespace cv::vault
