#include "vault/vault.h"

#include <algorithm>
#include <set>
#include <utility>

#include "vault/vault_config.h"

namespace cv::vault {

using layout::ObjectKind;

Vault::Vault(std::unique_ptr<storage::ObjectStore> store, VaultKeys keys)
    : store_(std::move(store)),
      keys_(std::move(keys)),
      objects_(*store_, keys_),
      content_keys_(objects_),
      packs_(*store_, keys_, partition_),
      catalog_(objects_, content_keys_, problems_),
      policies_(objects_, keys_, problems_),
      runs_(objects_, keys_, problems_),
      marks_(objects_, keys_, problems_),
      settings_(objects_, keys_, problems_) {}

Result<std::unique_ptr<Vault>> Vault::Init(std::unique_ptr<storage::ObjectStore> store,
                                           const crypto::KeySecret& secret,
                                           const crypto::ScryptParams& params, int format) {
  auto existing = store->Stat(layout::kConfig);
  if (existing.ok()) {
    return Status::FailedPrecondition(
        "vault " + store->Describe(),
        "already holds a vault; nothing was changed (use it, or pick an empty location)");
  }
  if (!existing.status().IsNotFound()) return existing.status();
  if (format != 1 && format != 2) {
    return Status::InvalidArgument("--format",
                                   "must be 1 or 2 (2, the default, unless older releases must "
                                   "read the vault)");
  }
  CV_ASSIGN_OR_RETURN(std::string vault_id, RandomHex(16));
  if (format == 1) {
    CV_ASSIGN_OR_RETURN(crypto::MasterKey key, crypto::MasterKey::Generate());
    CV_ASSIGN_OR_RETURN(std::string slot_id, RandomHex(8));
    CV_ASSIGN_OR_RETURN(std::string slot, crypto::WrapMasterKey(key, secret, slot_id, params));
    // The key slot first: a vault whose config exists always has a way in.
    CV_RETURN_IF_ERROR(store->Put(layout::KeySlotKey(slot_id), crypto::AsBytes(slot)));
    std::string text = ConfigText(vault_id);
    CV_RETURN_IF_ERROR(store->Put(layout::kConfig, crypto::AsBytes(text)));
    auto v = std::unique_ptr<Vault>(new Vault(std::move(store), VaultKeys::V1(vault_id, std::move(key))));
    v->opened_slot_ = slot_id;
    CV_RETURN_IF_ERROR(CheckConfigSeal(v->objects_, v->problems_, crypto::AsBytes(text)));
    return v;
  }
  CV_ASSIGN_OR_RETURN(crypto::KeyBundle bundle, crypto::KeyBundle::Generate());
  CV_ASSIGN_OR_RETURN(std::string slot_id,
                      AddKeySlotV2(*store, bundle, crypto::KeyRole::kAdmin, vault_id, secret, params));
  CV_ASSIGN_OR_RETURN(std::string text, ConfigTextV2(vault_id, bundle));
  CV_RETURN_IF_ERROR(store->Put(layout::kConfig, crypto::AsBytes(text)));
  auto v = std::unique_ptr<Vault>(new Vault(std::move(store), VaultKeys::V2(vault_id, std::move(bundle))));
  v->opened_slot_ = std::move(slot_id);
  return v;
}

Result<std::unique_ptr<Vault>> Vault::Open(std::unique_ptr<storage::ObjectStore> store,
                                           const crypto::KeySecret& secret) {
  Unlocker unlock;
  unlock.v2 = [&secret](storage::ObjectStore& s, const std::string& vault_id,
                        std::vector<VaultProblem>* problems, std::string* slot_id) {
    return UnlockKeyBundle(s, secret, vault_id, problems, slot_id);
  };
  unlock.v1_secret = [&secret]() -> Result<crypto::KeySecret> {
    crypto::KeySecret copy;
    copy.kind = secret.kind;
    copy.secret = crypto::SecretBytes(secret.secret.view());
    copy.weak_text_key_file = secret.weak_text_key_file;
    return copy;
  };
  return Open(std::move(store), unlock);
}

Result<std::unique_ptr<Vault>> Vault::Open(std::unique_ptr<storage::ObjectStore> store,
                                           const Unlocker& unlock) {
  std::vector<uint8_t> raw;
  Status st = ReadBounded(*store, ObjectKind::kConfig, layout::kConfig, std::nullopt, &raw);
  if (st.IsNotFound()) {
    return Status::NotFound(
        "vault " + store->Describe(),
        "holds no vault (no config object); check the URL, or create one with `cassvault init`");
  }
  CV_RETURN_IF_ERROR(st);
  const std::string subject = "vault " + store->Describe();
  CV_ASSIGN_OR_RETURN(ParsedConfig config, ParseConfig(raw, subject));
  std::vector<VaultProblem> problems;
  std::unique_ptr<Vault> v;
  std::string slot_id;
  if (config.version == 1) {
    CV_ASSIGN_OR_RETURN(crypto::KeySecret secret, unlock.v1_secret());
    CV_ASSIGN_OR_RETURN(crypto::MasterKey key, UnlockMasterKey(*store, secret, &problems, &slot_id));
    v.reset(new Vault(std::move(store), VaultKeys::V1(config.vault_id, std::move(key))));
  } else {
    CV_ASSIGN_OR_RETURN(crypto::KeyBundle bundle, unlock.v2(*store, config.vault_id, &problems, &slot_id));
    CV_RETURN_IF_ERROR(CheckConfigSignature(config, bundle, subject));
    v.reset(new Vault(std::move(store), VaultKeys::V2(config.vault_id, std::move(bundle))));
  }
  v->opened_slot_ = std::move(slot_id);
  for (auto& p : problems) v->problems_.Add(std::move(p.object), std::move(p.problem));
  if (config.version == 1) CV_RETURN_IF_ERROR(CheckConfigSeal(v->objects_, v->problems_, raw));
  return v;
}

std::string Vault::OpenedBy() const {
  std::string who = "key slot " + opened_slot_;
  if (const crypto::KeyBundle* b = keys_.bundle())
    who += " (" + std::string(crypto::KeyRoleName(b->role())) + ")";
  return who;
}

bool Vault::CanReadBackups() const {
  return keys_.bundle() == nullptr || keys_.bundle()->role() != crypto::KeyRole::kWriter;
}

Status Vault::RequireReader(std::string_view what) const {
  if (CanReadBackups()) return Status::OK();
  return Status::PermissionDenied(
      std::string(what), "needs a reader or admin key of vault " + store_->Describe() +
                             "; it was opened with a writer key, which can back up, list and fast-verify "
                             "but not read backups back. Nothing was read or written");
}

Result<std::string> Vault::AddKeySlot(const crypto::KeySecret& secret, const crypto::ScryptParams& params,
                                      crypto::KeyRole role) {
  if (const crypto::MasterKey* m = keys_.master()) return vault::AddKeySlot(*store_, *m, secret, params);
  return AddKeySlotV2(*store_, *keys_.bundle(), role, vault_id(), secret, params);
}

Result<std::string> Vault::AddKeyVaultSlot(crypto::KeyWrapper& wrapper, crypto::KeyRole role) {
  const crypto::KeyBundle* bundle = keys_.bundle();
  if (bundle == nullptr) {
    return Status::FailedPrecondition(
        "vault " + store_->Describe(),
        "is format 1: Azure Key Vault slots need format 2 (a format 1 vault has one "
        "master key and no roles); nothing was changed");
  }
  Result<std::string> kid = wrapper.CurrentKid();
  if (!kid.ok()) return kid.status().Annotate(wrapper.Name());
  CV_ASSIGN_OR_RETURN(crypto::KeyBundle cut, bundle->ForRole(role));
  CV_ASSIGN_OR_RETURN(std::string slot_id,
                      vault::AddKeyVaultSlot(*store_, cut, role, vault_id(), wrapper, *kid));
  // Proof before anyone relies on it: read back what the store holds and open it through Key Vault.
  Status proof = [&]() -> Status {
    CV_ASSIGN_OR_RETURN(std::string doc, ReadKeySlot(*store_, slot_id));
    CV_ASSIGN_OR_RETURN(crypto::KeyBundle back,
                        crypto::UnwrapKeyBundleWithKeyVault(doc, wrapper, vault_id()));
    crypto::SecretBytes a = back.Serialize(), b = cut.Serialize();
    if (a.size() != b.size() || !std::equal(a.data(), a.data() + a.size(), b.data()))
      return Status::Internal("key slot " + slot_id,
                              "opened through Key Vault to other keys than it was given");
    return Status::OK();
  }();
  if (!proof.ok()) {
    (void)store_->Delete(layout::KeySlotKey(slot_id));  // best effort: a slot that does not open helps nobody
    return proof.Annotate("new key slot " + slot_id + " did not open and was removed again");
  }
  return slot_id;
}

Status Vault::DeleteKeySlot(const std::string& slot_id) {
  if (!layout::ParseKeySlotKey(layout::KeySlotKey(slot_id)))
    return Status::InvalidArgument("key slot '" + slot_id + "'", "is not a key slot id");
  return store_->Delete(layout::KeySlotKey(slot_id));
}

Status Vault::UsePartition(std::string node_id) {
  if (!node_id.empty() && !layout::IsValidNodeId(node_id))
    return Status::InvalidArgument("node id '" + node_id + "'", "expected 16 lowercase hex digits");
  if (!node_id.empty() && format() == 1)
    return Status::InvalidArgument("node id " + node_id, "a format v1 vault has no partitions");
  if (node_id != partition_) index_.Unload();  // its entries name packs of the other partition
  partition_ = std::move(node_id);
  return Status::OK();
}

Status Vault::LoadIndex() {
  BlobCodec codec(keys_, 3);
  return index_.Load(objects_, packs_, codec, problems_, {partition_}, index_cache_dir_);
}

Status Vault::LoadIndexOf(const std::vector<std::string>& partitions) {
  std::set<std::string> distinct(partitions.begin(), partitions.end());
  if (distinct.size() <= 1) {
    CV_RETURN_IF_ERROR(UsePartition(distinct.empty() ? std::string() : *distinct.begin()));
    return LoadIndex();
  }
  for (const auto& p : distinct) {
    if (!p.empty() && (!layout::IsValidNodeId(p) || format() == 1))
      return Status::InvalidArgument("node id '" + p + "'", "not a partition of this vault");
  }
  CV_RETURN_IF_ERROR(UsePartition(""));
  BlobCodec codec(keys_, 3);
  return index_.Load(objects_, packs_, codec, problems_, {distinct.begin(), distinct.end()});
}

Result<std::shared_ptr<const ContentKey>> Vault::PackContentKey(const ObjectId& pack_id) {
  if (format() == 1) return std::shared_ptr<const ContentKey>();
  auto key_id = index_.PackKey(pack_id);
  if (!key_id) {
    return Status::Corruption(packs_.Key(pack_id), "no index or header names the content key of its blobs");
  }
  return content_keys_.Get(*key_id);
}

Status Vault::ReadBlob(const ObjectId& id, BlobCodec& codec, std::vector<uint8_t>* out) {
  if (!index_.loaded()) return IndexNotLoaded("blob " + IdToHex(id));
  auto loc = LocateBlob(id);  // a pack prune marked too: readable until prune decides
  if (!loc) return Status::NotFound("blob " + IdToHex(id), "not in any pack of the vault");
  CV_ASSIGN_OR_RETURN(auto key, PackContentKey(loc->pack_id));
  return packs_.ReadBlob(*loc, codec, key.get(), out);
}

Status Vault::ListPacks(std::vector<storage::ObjectInfo>* out) {
  std::vector<storage::ObjectInfo> packs;
  CV_RETURN_IF_ERROR(ListPartition(*store_, ObjectKind::kPack, partition_, &packs));
  out->insert(out->end(), packs.begin(), packs.end());
  return Status::OK();
}

}  // namespace cv::vault
