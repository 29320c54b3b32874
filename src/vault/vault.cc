#include "vault/vault.h"

#include <utility>

#include "vault/vault_config.h"

namespace cv::vault {

using layout::ObjectKind;

Vault::Vault(std::unique_ptr<storage::ObjectStore> store, std::string vault_id, crypto::MasterKey key)
    : store_(std::move(store)),
      vault_id_(std::move(vault_id)),
      key_(std::move(key)),
      objects_(*store_, key_),
      packs_(*store_, key_),
      catalog_(objects_, problems_) {}

Result<std::unique_ptr<Vault>> Vault::Init(std::unique_ptr<storage::ObjectStore> store,
                                           const crypto::KeySecret& secret,
                                           const crypto::ScryptParams& params) {
  auto existing = store->Stat(layout::kConfig);
  if (existing.ok()) {
    return Status::FailedPrecondition(
        "vault " + store->Describe(),
        "already holds a vault; nothing was changed (use it, or pick an empty location)");
  }
  if (!existing.status().IsNotFound()) return existing.status();
  CV_ASSIGN_OR_RETURN(crypto::MasterKey key, crypto::MasterKey::Generate());
  CV_ASSIGN_OR_RETURN(std::string vault_id, RandomHex(16));
  CV_ASSIGN_OR_RETURN(std::string slot_id, RandomHex(8));
  CV_ASSIGN_OR_RETURN(std::string slot, crypto::WrapMasterKey(key, secret, slot_id, params));
  // The key slot first: a vault whose config exists always has a way in.
  CV_RETURN_IF_ERROR(store->Put(layout::KeySlotKey(slot_id), crypto::AsBytes(slot)));
  std::string text = ConfigText(vault_id);
  CV_RETURN_IF_ERROR(store->Put(layout::kConfig, crypto::AsBytes(text)));
  auto v = std::unique_ptr<Vault>(new Vault(std::move(store), vault_id, std::move(key)));
  CV_RETURN_IF_ERROR(CheckConfigSeal(v->objects_, v->problems_, crypto::AsBytes(text)));
  return v;
}

Result<std::unique_ptr<Vault>> Vault::Open(std::unique_ptr<storage::ObjectStore> store,
                                           const crypto::KeySecret& secret) {
  std::vector<uint8_t> raw;
  Status st = ReadBounded(*store, ObjectKind::kConfig, layout::kConfig, std::nullopt, &raw);
  if (st.IsNotFound()) {
    return Status::NotFound(
        "vault " + store->Describe(),
        "holds no vault (no config object); check the URL, or create one with `cassvault init`");
  }
  CV_RETURN_IF_ERROR(st);
  CV_ASSIGN_OR_RETURN(ParsedConfig config, ParseConfig(raw, "vault " + store->Describe()));
  std::vector<VaultProblem> problems;
  CV_ASSIGN_OR_RETURN(crypto::MasterKey key, UnlockMasterKey(*store, secret, &problems));
  auto v = std::unique_ptr<Vault>(new Vault(std::move(store), config.vault_id, std::move(key)));
  for (auto& p : problems) v->problems_.Add(std::move(p.object), std::move(p.problem));
  CV_RETURN_IF_ERROR(CheckConfigSeal(v->objects_, v->problems_, raw));
  return v;
}

Status Vault::LoadIndex() {
  BlobCodec codec(key_, 3);
  return index_.Load(objects_, packs_, codec, problems_);
}

Status Vault::ReadBlob(const ObjectId& id, BlobCodec& codec, std::vector<uint8_t>* out) {
  if (!index_.loaded()) return IndexNotLoaded("blob " + IdToHex(id));
  auto loc = index_.Find(id);
  if (!loc) return Status::NotFound("blob " + IdToHex(id), "not in any pack of the vault");
  return packs_.ReadBlob(*loc, codec, out);
}

Status Vault::ListPacks(std::vector<storage::ObjectInfo>* out) {
  std::vector<storage::ObjectInfo> packs;
  CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kPack, &packs));
  out->insert(out->end(), packs.begin(), packs.end());
  return Status::OK();
}

}  // namespace cv::vault
