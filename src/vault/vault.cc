#include "vault/vault.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "core/vault_layout.h"

namespace cv::vault {
namespace {

constexpr std::string_view kFormatName = "cassvault";
constexpr int kFormatVersion = 1;

std::string BlobAad(const ObjectId& id) { return "cassvault/v1/blob/" + IdToHex(id); }

std::span<const uint8_t> Str(std::string_view s) { return crypto::AsBytes(s); }

std::string RandomHex(size_t bytes) {
  std::vector<uint8_t> b(bytes);
  (void)crypto::RandomBytes(b);
  return crypto::ToHex(b);
}

}  // namespace

// --- BlobCodec ----------------------------------------------------------------------------------

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
  CV_RETURN_IF_ERROR(aead_.Seal(payload, Str(BlobAad(id)), std::span<uint8_t>(sealed_.data(), n)));
  *sealed = std::span<const uint8_t>(sealed_.data(), n);
  return c;
}

Status BlobCodec::Open(const PackEntry& e, std::span<const uint8_t> sealed, std::vector<uint8_t>* plaintext) {
  std::string subject = "blob " + IdToHex(e.blob_id);
  if (e.compression == Compression::kZstd) {
    Status st = aead_.Open(sealed, Str(BlobAad(e.blob_id)), &scratch_);
    if (!st.ok()) return Status::Corruption(subject, "does not decrypt: " + st.message());
    CV_RETURN_IF_ERROR(Decompress(scratch_, e.raw_len, plaintext).Annotate(subject));
  } else {
    Status st = aead_.Open(sealed, Str(BlobAad(e.blob_id)), plaintext);
    if (!st.ok()) return Status::Corruption(subject, "does not decrypt: " + st.message());
  }
  if (plaintext->size() != e.raw_len) return Status::Corruption(subject, "wrong length");
  if (BlobId(*plaintext) != e.blob_id) return Status::Corruption(subject, "content does not match its id");
  return Status::OK();
}

// --- Vault: init and open -------------------------------------------------------------------

Vault::Vault(std::unique_ptr<storage::ObjectStore> store, std::string vault_id, crypto::MasterKey key)
    : store_(std::move(store)), vault_id_(std::move(vault_id)), key_(std::move(key)) {}

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
  std::string vault_id = RandomHex(16);
  std::string slot_id = RandomHex(8);
  CV_ASSIGN_OR_RETURN(std::string slot, crypto::WrapMasterKey(key, secret, slot_id, params));
  // The key slot first: a vault whose config exists always has a way in.
  CV_RETURN_IF_ERROR(store->Put(layout::KeySlotKey(slot_id), Str(slot)));
  nlohmann::json config = {{"format", kFormatName}, {"version", kFormatVersion}, {"vault_id", vault_id}};
  std::string text = config.dump();
  CV_RETURN_IF_ERROR(store->Put(layout::kConfig, Str(text)));
  return std::unique_ptr<Vault>(new Vault(std::move(store), vault_id, std::move(key)));
}

Result<std::unique_ptr<Vault>> Vault::Open(std::unique_ptr<storage::ObjectStore> store,
                                           const crypto::KeySecret& secret) {
  std::vector<uint8_t> raw;
  Status st = store->Get(layout::kConfig, 0, 0, &raw);
  if (st.IsNotFound()) {
    return Status::NotFound(
        "vault " + store->Describe(),
        "holds no vault (no config object); check the URL, or create one with `cassvault init`");
  }
  CV_RETURN_IF_ERROR(st);
  std::string vault_id;
  try {
    auto config = nlohmann::json::parse(raw.begin(), raw.end());
    if (config.at("format").get<std::string>() != kFormatName)
      throw std::runtime_error("not a cassvault vault");
    const auto& v = config.at("version");  // get<int>() would cast a float unchecked
    if (!v.is_number_integer() || !std::in_range<int>(v.get<int64_t>()))
      throw std::runtime_error("\"version\" is not an integer");
    int version = v.get<int>();
    if (version != kFormatVersion) {
      return Status::NotSupported("vault " + store->Describe(), "format version " + std::to_string(version) +
                                                                    " is not supported by this cassvault");
    }
    vault_id = config.at("vault_id").get<std::string>();
  } catch (const std::exception& e) {
    return Status::Corruption("vault " + store->Describe() + " config", e.what());
  }
  std::vector<std::string> slots;
  CV_RETURN_IF_ERROR(
      store->List(layout::kKeysPrefix, [&](const storage::ObjectInfo& o) { slots.push_back(o.key); }));
  std::sort(slots.begin(), slots.end());
  Status last = Status::PermissionDenied("vault " + store->Describe(), "has no key slots");
  bool kind_seen = false;
  for (const auto& k : slots) {
    std::vector<uint8_t> doc;
    CV_RETURN_IF_ERROR(store->Get(k, 0, 0, &doc));
    auto key = crypto::UnwrapMasterKey(
        std::string_view(reinterpret_cast<const char*>(doc.data()), doc.size()), secret);
    if (key.ok())
      return std::unique_ptr<Vault>(new Vault(std::move(store), vault_id, std::move(key).value()));
    if (key.status().code() == StatusCode::kInvalidArgument) continue;  // a slot of another kind
    kind_seen = true;
    last = key.status();
  }
  if (!kind_seen) {
    return Status::PermissionDenied(
        "vault " + store->Describe(),
        std::string("has no ") +
            (secret.kind == crypto::KeySlotKind::kPassphrase ? "passphrase" : "key-file") +
            " slot; unlock it with the kind of key it was created with");
  }
  return Status::PermissionDenied("vault " + store->Describe(),
                                  "the passphrase or key file does not open this vault; nothing was changed");
}

// --- sealed metadata ------------------------------------------------------------------------

Status Vault::PutSealed(const std::string& key, std::string_view aad, std::span<const uint8_t> plaintext) {
  crypto::Aead aead(key_.data_key().view());
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(aead.Seal(plaintext, Str(aad), &sealed));
  return store_->Put(key, sealed);
}

Result<std::vector<uint8_t>> Vault::GetSealed(const std::string& key, std::string_view aad) {
  std::vector<uint8_t> sealed, plain;
  CV_RETURN_IF_ERROR(store_->Get(key, 0, 0, &sealed));
  crypto::Aead aead(key_.data_key().view());
  Status st = aead.Open(sealed, Str(aad), &plain);
  if (!st.ok())
    return Status::Corruption(store_->Describe() + "/" + key, "does not decrypt or was tampered with");
  return plain;
}

Result<ObjectId> Vault::PutContentObject(std::string_view prefix_kind, std::span<const uint8_t> plaintext) {
  // zstd frame, then sealed; named by the SHA-256 of the stored bytes, so anyone can check a file
  // against its name without the key.
  Compressor comp(3);
  std::vector<uint8_t> framed;
  std::vector<uint8_t> compressed;
  Compression c = comp.MaybeCompress(plaintext, &compressed);
  framed.push_back(static_cast<uint8_t>(c));
  uint64_t raw = plaintext.size();
  framed.insert(framed.end(), reinterpret_cast<uint8_t*>(&raw), reinterpret_cast<uint8_t*>(&raw) + 8);
  const auto& body =
      c == Compression::kZstd ? compressed : std::vector<uint8_t>(plaintext.begin(), plaintext.end());
  framed.insert(framed.end(), body.begin(), body.end());
  crypto::Aead aead(key_.data_key().view());
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(
      aead.Seal(framed, Str(std::string("cassvault/v1/") + std::string(prefix_kind)), &sealed));
  ObjectId id = crypto::Sha256(sealed);
  std::string key = prefix_kind == "index" ? layout::IndexKey(id) : layout::ManifestKey(id);
  Status st = store_->Put(key, sealed);
  if (!st.ok() && !st.IsAlreadyExists()) return st;
  return id;
}

namespace {
Result<std::vector<uint8_t>> Unframe(std::span<const uint8_t> framed, const std::string& subject) {
  if (framed.size() < 9 || framed[0] > 1) return Status::Corruption(subject, "malformed object frame");
  uint64_t raw;
  std::memcpy(&raw, framed.data() + 1, 8);
  std::span<const uint8_t> body = framed.subspan(9);
  if (framed[0] == 0) {
    if (body.size() != raw) return Status::Corruption(subject, "wrong length");
    return std::vector<uint8_t>(body.begin(), body.end());
  }
  // The length is allocated before zstd has read a byte: bound it by what a real index or manifest can
  // reach (a manifest of a million files is a few hundred MB), not by what a frame can claim.
  if (raw > (1ull << 30)) return Status::Corruption(subject, "implausible size");
  std::vector<uint8_t> out;
  CV_RETURN_IF_ERROR(Decompress(body, raw, &out).Annotate(subject));
  return out;
}

Result<std::vector<uint8_t>> GetContentObject(Vault& v, const std::string& key, std::string_view kind) {
  std::vector<uint8_t> sealed, framed;
  std::string subject = v.store().Describe() + "/" + key;
  CV_RETURN_IF_ERROR(v.store().Get(key, 0, 0, &sealed));
  // The name is the hash of the bytes: a check that needs no key.
  if (IdToHex(crypto::Sha256(sealed)) != key.substr(key.rfind('/') + 1)) {
    return Status::Corruption(subject, "content does not match its name (damaged or tampered)");
  }
  crypto::Aead aead(v.key().data_key().view());
  if (!aead.Open(sealed, crypto::AsBytes(std::string("cassvault/v1/") + std::string(kind)), &framed).ok()) {
    return Status::Corruption(subject, "does not decrypt or was tampered with");
  }
  return Unframe(framed, subject);
}
}  // namespace

// --- blob index -------------------------------------------------------------------------------

Status Vault::LoadIndex() {
  std::vector<std::string> index_keys;
  std::unordered_map<ObjectId, uint64_t, ObjectIdHash> packs;
  CV_RETURN_IF_ERROR(store_->List(layout::kIndexPrefix, [&](const storage::ObjectInfo& o) {
    if (layout::ParseIndexKey(o.key)) index_keys.push_back(o.key);
  }));
  CV_RETURN_IF_ERROR(store_->List(layout::kPacksPrefix, [&](const storage::ObjectInfo& o) {
    if (auto id = layout::ParsePackKey(o.key)) packs[*id] = o.size;
  }));
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> blobs;
  std::set<ObjectId> indexed_packs;
  size_t duplicates = 0;
  for (const auto& k : index_keys) {
    CV_ASSIGN_OR_RETURN(auto bytes, GetContentObject(*this, k, "index"));
    CV_ASSIGN_OR_RETURN(auto entries, DecodeIndex(bytes, k));
    for (const auto& e : entries) {
      auto [it, fresh] = blobs.emplace(e.entry.blob_id, e);
      // The same entry may be named by two indexes (an adopted pack); only another pack is a duplicate.
      if (!fresh && it->second.pack_id != e.pack_id) ++duplicates;
      indexed_packs.insert(e.pack_id);
    }
  }
  std::vector<IndexEntry> adopted;
  for (const auto& [pack_id, size] : packs) {
    if (indexed_packs.count(pack_id)) continue;
    auto header = FetchPackHeader(pack_id, size);
    if (!header.ok()) continue;  // a damaged orphan: nothing references it; verify reports it
    for (const auto& pe : *header) {
      IndexEntry e{pack_id, pe};
      if (blobs.emplace(pe.blob_id, e).second) {
        adopted.push_back(e);
      } else {
        ++duplicates;
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  blobs_ = std::move(blobs);
  adopted_ = std::move(adopted);
  duplicates_ = duplicates;
  return Status::OK();
}

Result<std::vector<PackEntry>> Vault::FetchPackHeader(const ObjectId& pack_id, uint64_t pack_size) {
  std::string key = layout::PackKey(pack_id);
  if (pack_size < kPackTrailerSize) return Status::Corruption(key, "too short to be a pack");
  std::vector<uint8_t> trailer;
  CV_RETURN_IF_ERROR(store_->Get(key, pack_size - kPackTrailerSize, kPackTrailerSize, &trailer));
  CV_ASSIGN_OR_RETURN(uint32_t hlen, ParsePackTrailer(trailer, key));
  if (hlen + kPackTrailerSize > pack_size) return Status::Corruption(key, "header length exceeds the pack");
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(store_->Get(key, pack_size - kPackTrailerSize - hlen, hlen, &sealed));
  crypto::Aead aead(key_.data_key().view());
  std::vector<uint8_t> plain;
  if (!aead.Open(sealed, Str("cassvault/v1/pack-header"), &plain).ok()) {
    return Status::Corruption(key, "pack header does not decrypt");
  }
  return DecodePackHeader(plain, key);
}

Result<std::vector<PackEntry>> Vault::ReadPackHeader(const std::string& pack_key,
                                                     std::span<const uint8_t> pack) {
  if (pack.size() < kPackTrailerSize) return Status::Corruption(pack_key, "too short to be a pack");
  CV_ASSIGN_OR_RETURN(uint32_t hlen,
                      ParsePackTrailer(pack.subspan(pack.size() - kPackTrailerSize), pack_key));
  if (hlen + kPackTrailerSize > pack.size())
    return Status::Corruption(pack_key, "header length exceeds the pack");
  crypto::Aead aead(key_.data_key().view());
  std::vector<uint8_t> plain;
  if (!aead.Open(pack.subspan(pack.size() - kPackTrailerSize - hlen, hlen), Str("cassvault/v1/pack-header"),
                 &plain)
           .ok()) {
    return Status::Corruption(pack_key, "pack header does not decrypt");
  }
  return DecodePackHeader(plain, pack_key);
}

std::optional<IndexEntry> Vault::FindBlob(const ObjectId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blobs_.find(id);
  if (it == blobs_.end()) return std::nullopt;
  return it->second;
}

size_t Vault::BlobCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blobs_.size();
}

size_t Vault::DuplicateBlobCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return duplicates_;
}

void Vault::AddToIndex(std::span<const IndexEntry> entries) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries) blobs_.emplace(e.entry.blob_id, e);
}

std::vector<IndexEntry> Vault::TakeAdopted() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(adopted_, {});
}

Status Vault::ReadBlob(const ObjectId& id, BlobCodec& codec, std::vector<uint8_t>* out) {
  auto loc = FindBlob(id);
  if (!loc) return Status::NotFound("blob " + IdToHex(id), "not in any pack of the vault");
  std::vector<uint8_t> sealed;
  std::string pack_key = layout::PackKey(loc->pack_id);
  CV_RETURN_IF_ERROR(store_->Get(pack_key, loc->entry.offset, loc->entry.stored_len, &sealed));
  return codec.Open(loc->entry, sealed, out).Annotate(pack_key);
}

Status Vault::ListPacks(std::vector<storage::ObjectInfo>* out) {
  return store_->List(layout::kPacksPrefix, [&](const storage::ObjectInfo& o) {
    if (layout::ParsePackKey(o.key)) out->push_back(o);
  });
}

// --- backups --------------------------------------------------------------------------------

Result<std::vector<BackupRecord>> Vault::ListBackups() {
  std::vector<std::string> ids;
  CV_RETURN_IF_ERROR(store_->List(layout::kBackupsPrefix, [&](const storage::ObjectInfo& o) {
    if (auto id = layout::ParseBackupKey(o.key)) ids.push_back(*id);
  }));
  std::sort(ids.begin(), ids.end());
  std::vector<BackupRecord> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    CV_ASSIGN_OR_RETURN(auto rec, LoadRecord(id));
    out.push_back(std::move(rec));
  }
  return out;
}

Result<BackupRecord> Vault::LoadRecord(const std::string& backup_id) {
  if (!layout::IsValidBackupId(backup_id)) {
    return Status::InvalidArgument("backup id '" + backup_id + "'",
                                   "expected the form 20261125T141500Z-1a2b3c4d");
  }
  std::string key = layout::BackupKey(backup_id);
  auto plain = GetSealed(key, "cassvault/v1/backup/" + backup_id);
  if (!plain.ok()) {
    if (plain.status().IsNotFound()) return Status::NotFound("backup " + backup_id, "not in this vault");
    return plain.status();
  }
  auto rec = BackupRecordFromJson(
      std::string_view(reinterpret_cast<const char*>(plain->data()), plain->size()), key);
  if (rec.ok() && rec->backup_id != backup_id) return Status::Corruption(key, "record names another backup");
  return rec;
}

Result<Manifest> Vault::LoadManifest(const BackupRecord& record) {
  std::string key = layout::ManifestKey(record.manifest_id);
  CV_ASSIGN_OR_RETURN(auto bytes, GetContentObject(*this, key, "manifest"));
  auto m = ManifestFromJson(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), key);
  if (m.ok() && m->backup_id != record.backup_id)
    return Status::Corruption(key, "manifest belongs to another backup");
  return m;
}

Status Vault::CommitRecord(const BackupRecord& record) {
  std::string json = BackupRecordToJson(record);
  return PutSealed(layout::BackupKey(record.backup_id), "cassvault/v1/backup/" + record.backup_id, Str(json));
}

}  // namespace cv::vault
