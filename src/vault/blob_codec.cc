#include "vault/blob_codec.h"

#include "pipeline/cpu_stages.h"

namespace cv::vault {

BlobCodec::BlobCodec(const VaultKeys& keys, int zstd_level) : keys_(keys), compressor_(zstd_level) {
  if (const crypto::MasterKey* m = keys.master()) {
    aead_.emplace(m->data_key().view());
    hmac_.emplace(m->id_key().view());
  } else {
    blake3_.emplace(keys.bundle()->blob_id_key());
  }
}

ObjectId BlobCodec::BlobId(std::span<const uint8_t> plaintext) {
  if (hmac_) return hmac_->Compute(plaintext);
  blake3_->Update(plaintext);
  return blake3_->Finish();
}

size_t BlobCodec::SealOverhead() const {
  return aead_ ? crypto::Aead::kOverhead : crypto::ObjectSealer::kOverhead;
}

std::string BlobCodec::Aad(const ObjectId& id) const {
  if (aead_) return "cassvault/v1/blob/" + IdToHex(id);
  return keys_.Aad(layout::ObjectKind::kPack, "blob " + IdToHex(id));
}

crypto::ObjectSealer& BlobCodec::SealerFor(const ContentKey& key) {
  auto it = sealers_.find(key.id);
  if (it == sealers_.end()) it = sealers_.emplace(key.id, crypto::ObjectSealer(key.key.view())).first;
  return it->second;
}

Result<Compression> BlobCodec::Seal(const ObjectId& id, std::span<const uint8_t> plaintext, bool try_compress,
                                    const ContentKey* key, std::span<const uint8_t>* sealed,
                                    uint64_t budget) {
  if (!aead_) {
    if (key == nullptr) return Status::Internal("blob " + IdToHex(id), "no content key to seal it with");
    if (key->sealed.fetch_add(1) >= budget) {
      return Status::ResourceExhausted("content key " + IdToHex(key->id),
                                       "has sealed its budget of " + std::to_string(budget) +
                                           " blobs; nothing more is sealed with it (start a new backup)");
    }
  }
  std::span<const uint8_t> compressed;
  if (try_compress) {
    pipeline::CpuStages::Scope timed("compress");
    compressed = compressor_.MaybeCompressView(plaintext);
  }
  Compression c = compressed.empty() ? Compression::kNone : Compression::kZstd;
  std::span<const uint8_t> payload = compressed.empty() ? plaintext : compressed;
  size_t n = payload.size() + SealOverhead();
  if (sealed_.size() < n) sealed_.resize(n);
  std::span<uint8_t> out(sealed_.data(), n);
  std::string aad = Aad(id);
  CV_RETURN_IF_ERROR(aead_ ? aead_->Seal(payload, crypto::AsBytes(aad), out)
                           : SealerFor(*key).Seal(payload, crypto::AsBytes(aad), out));
  *sealed = out;
  return c;
}

Status BlobCodec::OpenSealed(std::span<const uint8_t> sealed, const std::string& aad, const ContentKey* key,
                             std::vector<uint8_t>* out) {
  if (aead_) return aead_->Open(sealed, crypto::AsBytes(aad), out);
  if (key == nullptr) return Status::Internal("blob", "no content key to open it with");
  return SealerFor(*key).Open(sealed, crypto::AsBytes(aad), out);
}

Status BlobCodec::Open(const PackEntry& e, std::span<const uint8_t> sealed, const ContentKey* key,
                       std::vector<uint8_t>* plaintext) {
  std::string subject = "blob " + IdToHex(e.blob_id);
  std::string aad = Aad(e.blob_id);
  using Timed = pipeline::CpuStages::Scope;  // counted only when the caller counts (ops/restore_files)
  if (e.compression == Compression::kZstd) {
    Status st;
    {
      Timed timed("decrypt");
      st = OpenSealed(sealed, aad, key, &scratch_);
    }
    if (!st.ok()) return Status::Corruption(subject, "does not decrypt: " + st.message());
    Timed timed("decompress");
    CV_RETURN_IF_ERROR(Decompress(scratch_, e.raw_len, plaintext).Annotate(subject));
  } else {
    Timed timed("decrypt");
    Status st = OpenSealed(sealed, aad, key, plaintext);
    if (!st.ok()) return Status::Corruption(subject, "does not decrypt: " + st.message());
  }
  if (plaintext->size() != e.raw_len) return Status::Corruption(subject, "wrong length");
  Timed timed("blob_id");
  if (BlobId(*plaintext) != e.blob_id) return Status::Corruption(subject, "content does not match its id");
  return Status::OK();
}

}  // namespace cv::vault
