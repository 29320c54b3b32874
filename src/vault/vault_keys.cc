#include "vault/vault_keys.h"

#include "crypto/object_sealer.h"

namespace cv::vault {

using layout::ObjectKind;

VaultKeys VaultKeys::V1(std::string vault_id, crypto::MasterKey key) {
  VaultKeys k;
  k.vault_id_ = std::move(vault_id);
  k.master_.emplace(std::move(key));
  return k;
}

VaultKeys VaultKeys::V2(std::string vault_id, crypto::KeyBundle bundle) {
  VaultKeys k;
  k.vault_id_ = std::move(vault_id);
  k.bundle_.emplace(std::move(bundle));
  return k;
}

std::string VaultKeys::Aad(ObjectKind kind, std::string_view name) const {
  if (bundle_) return layout::ObjectAadV2(vault_id_, kind, name);
  // v1 bound only a backup record to its id; every other kind has one constant AAD.
  std::string aad(layout::KindInfo(kind).aad);
  if (kind == ObjectKind::kBackupRecord) aad += layout::ParseBackupKey(name).value_or(std::string(name));
  return aad;
}

Result<crypto::Bytes> VaultKeys::Seal(ObjectKind kind, std::string_view name, crypto::ByteView plain) const {
  if (bundle_) return SealUnder(bundle_->metadata_root(), kind, name, plain);
  crypto::Aead aead(master_->data_key().view());
  crypto::Bytes sealed;
  CV_RETURN_IF_ERROR(aead.Seal(plain, crypto::AsBytes(Aad(kind, name)), &sealed));
  return sealed;
}

bool VaultKeys::Open(ObjectKind kind, std::string_view name, crypto::ByteView sealed,
                     crypto::Bytes* plain) const {
  if (bundle_) return OpenUnder(bundle_->metadata_root(), kind, name, sealed, plain);
  crypto::Aead aead(master_->data_key().view());
  return aead.Open(sealed, crypto::AsBytes(Aad(kind, name)), plain).ok();
}

Result<crypto::Bytes> VaultKeys::SealUnder(crypto::ByteView root, ObjectKind kind, std::string_view name,
                                           crypto::ByteView plain) const {
  crypto::ObjectSealer sealer(root);
  crypto::Bytes sealed;
  CV_RETURN_IF_ERROR(
      sealer.Seal(plain, crypto::AsBytes(layout::ObjectAadV2(vault_id_, kind, name)), &sealed));
  return sealed;
}

bool VaultKeys::OpenUnder(crypto::ByteView root, ObjectKind kind, std::string_view name,
                          crypto::ByteView sealed, crypto::Bytes* plain) const {
  crypto::ObjectSealer sealer(root);
  return sealer.Open(sealed, crypto::AsBytes(layout::ObjectAadV2(vault_id_, kind, name)), plain).ok();
}

}  // namespace cv::vault
