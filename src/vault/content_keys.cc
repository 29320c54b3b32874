#include "vault/content_keys.h"

#include "core/byte_io.h"
#include "crypto/sealed_box.h"

namespace cv::vault {

using layout::ObjectKind;

namespace {
// The reader key a box is sealed to is part of what the AAD binds: a box cannot be relabelled to another.
std::string BoxAad(const VaultKeys& keys, std::string_view name, uint32_t reader_id) {
  return keys.Aad(ObjectKind::kContentKey, name) + "/reader " + std::to_string(reader_id);
}
}  // namespace

Result<std::shared_ptr<const ContentKey>> ContentKeys::Create() {
  const crypto::KeyBundle* bundle = table_.keys().bundle();
  if (bundle == nullptr) return Status::Internal("content keys", "a format v1 vault has none");
  auto k = std::make_shared<ContentKey>();
  k->key = crypto::SecretBytes(32);
  CV_RETURN_IF_ERROR(crypto::RandomBytes(std::span<uint8_t>(k->key.data(), k->key.size())));
  CV_RETURN_IF_ERROR(crypto::RandomBytes(k->id));
  const std::string name = layout::ContentKeyObjectKey(k->id);
  const crypto::ReaderKey& reader = bundle->current_reader();
  CV_ASSIGN_OR_RETURN(crypto::Bytes box,
                      crypto::SealToPublicKey(reader.public_key, k->key.view(),
                                              crypto::AsBytes(BoxAad(table_.keys(), name, reader.id))));
  std::vector<uint8_t> object;
  ByteWriter w(&object);
  w.U32(reader.id);
  w.Bytes(box);
  CV_RETURN_IF_ERROR(table_.store().Put(name, object));
  std::lock_guard<std::mutex> lock(mu_);
  opened_[k->id] = k;
  return std::shared_ptr<const ContentKey>(k);
}

Result<std::shared_ptr<const ContentKey>> ContentKeys::Get(const ObjectId& id) {
  const crypto::KeyBundle* bundle = table_.keys().bundle();
  if (bundle == nullptr) return Status::Internal("content keys", "a format v1 vault has none");
  // A writer holds no reader key: say so before reading anything, even for a key it made itself.
  CV_RETURN_IF_ERROR(bundle->ReaderPrivate(bundle->current_reader().id).status());
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = opened_.find(id);
    if (it != opened_.end()) return it->second;
  }
  const std::string name = layout::ContentKeyObjectKey(id);
  std::vector<uint8_t> object;
  CV_RETURN_IF_ERROR(table_.Read(ObjectKind::kContentKey, name, std::nullopt, &object));
  ByteReader r(object);
  const uint32_t reader_id = r.U32();
  if (!r.ok()) return Status::Corruption(table_.Subject(name), "too short to be a content key");
  auto pair = bundle->ReaderPrivate(reader_id);
  if (!pair.ok()) {
    return Status::PermissionDenied(
        table_.Subject(name), "is sealed to reader key " + std::to_string(reader_id) +
                                  ", which this key slot does not hold (" + pair.status().message() + ")");
  }
  auto key = crypto::OpenSealedBox(**pair, std::span<const uint8_t>(object).subspan(4),
                                   crypto::AsBytes(BoxAad(table_.keys(), name, reader_id)));
  if (!key.ok() || key->size() != 32) {
    return Status::Corruption(
        table_.Subject(name),
        "does not open as this vault's content key (damaged, or copied from elsewhere)");
  }
  auto k = std::make_shared<ContentKey>();
  k->id = id;
  k->key = std::move(key).value();
  std::lock_guard<std::mutex> lock(mu_);
  return opened_.emplace(id, k).first->second;
}

}  // namespace cv::vault
