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

// Names made from random bytes (vault and slot ids): a failed RNG must stop init, not give an all-zero id.
Result<std::string> RandomHex(size_t bytes) {
  std::vector<uint8_t> b(bytes);
  CV_RETURN_IF_ERROR(crypto::RandomBytes(b));
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

// --- bounded reads ---------------------------------------------------------------------------

bool IsObjectProblem(const Status& st) {
  return st.IsCorruption() || st.IsNotFound() || st.code() == StatusCode::kInvalidArgument ||
         st.code() == StatusCode::kNotSupported;
}

namespace {

// Reads a whole object of at most `cap` bytes: its size comes from Stat and is checked before any byte is
// allocated, then exactly that many bytes are asked for, so a body of another length is an error.
Status GetBounded(storage::ObjectStore& store, std::string_view key, uint64_t cap, std::string_view kind,
                  std::vector<uint8_t>* out) {
  CV_ASSIGN_OR_RETURN(storage::ObjectInfo info, store.Stat(key));
  if (info.size > cap) {
    return Status::Corruption(store.Describe() + "/" + std::string(key),
                              "is " + std::to_string(info.size) + " bytes, more than a " + std::string(kind) +
                                  " can be (" + std::to_string(cap) + "); not read (damaged or not ours)");
  }
  out->clear();
  if (info.size == 0) return Status::OK();
  CV_RETURN_IF_ERROR(store.Get(key, 0, info.size, out));
  if (out->size() != info.size) {
    return Status::Corruption(store.Describe() + "/" + std::string(key), "changed size while being read");
  }
  return Status::OK();
}

struct ParsedConfig {
  std::string vault_id;
};

// The config is plaintext and anyone who can write the store could have written it: parse it without
// echoing its bytes (a symlinked config must not leak the file it points to) and check every member.
Result<ParsedConfig> ParseConfig(std::span<const uint8_t> raw, const std::string& subject) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(raw.begin(), raw.end());
  } catch (const nlohmann::json::parse_error& e) {
    return Status::Corruption(subject, "config is not valid JSON (offset " + std::to_string(e.byte) + ")");
  } catch (const std::exception&) {
    return Status::Corruption(subject, "config is not valid JSON");
  }
  if (!config.is_object()) return Status::Corruption(subject, "config is not a JSON object");
  auto format = config.find("format");
  if (format == config.end() || !format->is_string() || format->get<std::string>() != kFormatName) {
    return Status::Corruption(subject,
                              "config does not say \"format\": \"cassvault\" (not a cassvault vault)");
  }
  auto version = config.find("version");
  if (version == config.end() || !version->is_number_integer())
    return Status::Corruption(subject, "config has no integer \"version\"");
  if (!version->is_number_unsigned() || version->get<uint64_t>() != kFormatVersion) {
    std::string v = version->is_number_unsigned() ? std::to_string(version->get<uint64_t>()) : "below 1";
    return Status::NotSupported(subject, "format version " + v + " is not supported by this cassvault");
  }
  auto id = config.find("vault_id");
  if (id == config.end() || !id->is_string() || !layout::IsValidVaultId(id->get<std::string>())) {
    return Status::Corruption(subject, "config's \"vault_id\" is not 32 lowercase hex digits");
  }
  return ParsedConfig{id->get<std::string>()};
}

constexpr std::string_view kConfigSealAad = "cassvault/v1/config";

}  // namespace

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
  CV_ASSIGN_OR_RETURN(std::string vault_id, RandomHex(16));
  CV_ASSIGN_OR_RETURN(std::string slot_id, RandomHex(8));
  CV_ASSIGN_OR_RETURN(std::string slot, crypto::WrapMasterKey(key, secret, slot_id, params));
  // The key slot first: a vault whose config exists always has a way in.
  CV_RETURN_IF_ERROR(store->Put(layout::KeySlotKey(slot_id), Str(slot)));
  nlohmann::json config = {{"format", kFormatName}, {"version", kFormatVersion}, {"vault_id", vault_id}};
  std::string text = config.dump();
  CV_RETURN_IF_ERROR(store->Put(layout::kConfig, Str(text)));
  auto v = std::unique_ptr<Vault>(new Vault(std::move(store), vault_id, std::move(key)));
  CV_RETURN_IF_ERROR(v->CheckConfigSeal(Str(text)));
  return v;
}

Result<std::unique_ptr<Vault>> Vault::Open(std::unique_ptr<storage::ObjectStore> store,
                                           const crypto::KeySecret& secret) {
  std::vector<uint8_t> raw;
  Status st = GetBounded(*store, layout::kConfig, kMaxConfigSize, "config", &raw);
  if (st.IsNotFound()) {
    return Status::NotFound(
        "vault " + store->Describe(),
        "holds no vault (no config object); check the URL, or create one with `cassvault init`");
  }
  CV_RETURN_IF_ERROR(st);
  CV_ASSIGN_OR_RETURN(ParsedConfig config, ParseConfig(raw, "vault " + store->Describe()));

  // Every slot document is read (bounded) and inspected without deriving anything; slots that do not
  // parse, cost more than any slot cassvault writes, or have a name no slot has are skipped with a warning.
  // The rest, of the secret's kind, are tried cheapest first: an added slot can neither make the unlock
  // expensive nor be tried before cheaper ones because of its name.
  std::vector<VaultProblem> problems;
  std::vector<std::string> keys;
  CV_RETURN_IF_ERROR(
      store->List(layout::kKeysPrefix, [&](const storage::ObjectInfo& o) { keys.push_back(o.key); }));
  std::sort(keys.begin(), keys.end());
  if (keys.size() > kMaxSlotsRead) {
    problems.push_back({std::string(layout::kKeysPrefix), "holds " + std::to_string(keys.size()) +
                                                              " objects; only the first " +
                                                              std::to_string(kMaxSlotsRead) + " were read"});
    keys.resize(kMaxSlotsRead);
  }
  struct Candidate {
    std::string key;
    std::string doc;
    uint64_t work;
  };
  std::vector<Candidate> candidates;
  bool kind_seen = false;
  for (const auto& k : keys) {
    if (!layout::ParseKeySlotKey(k)) {
      problems.push_back({k, "is not a key slot name; skipped"});
      continue;
    }
    std::vector<uint8_t> doc;
    Status gs = GetBounded(*store, k, kMaxKeySlotSize, "key slot", &doc);
    if (!gs.ok()) {
      if (!IsObjectProblem(gs)) return gs;
      problems.push_back({k, gs.message()});
      continue;
    }
    std::string text(doc.begin(), doc.end());
    auto info = crypto::InspectKeySlot(text);
    if (!info.ok()) {
      // A kind or version a later cassvault writes is not damage: skipped quietly.
      if (info.status().code() != StatusCode::kNotSupported)
        problems.push_back({k, info.status().ToString()});
      continue;
    }
    if (info->kind != secret.kind) continue;
    kind_seen = true;
    candidates.push_back({k, std::move(text), info->work});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.work < b.work; });
  if (candidates.size() > kMaxSlotsTried) {
    problems.push_back({std::string(layout::kKeysPrefix),
                        "holds " + std::to_string(candidates.size()) + " slots of this kind; only the " +
                            std::to_string(kMaxSlotsTried) + " cheapest were tried"});
    candidates.resize(kMaxSlotsTried);
  }
  for (const auto& c : candidates) {
    auto key = crypto::UnwrapMasterKey(c.doc, secret);
    if (key.ok()) {
      auto v = std::unique_ptr<Vault>(new Vault(std::move(store), config.vault_id, std::move(key).value()));
      for (auto& p : problems) v->AddProblem(std::move(p.object), std::move(p.problem));
      CV_RETURN_IF_ERROR(v->CheckConfigSeal(raw));
      return v;
    }
    if (key.status().IsCorruption() || key.status().code() == StatusCode::kNotSupported)
      problems.push_back({c.key, key.status().ToString()});
  }
  if (!kind_seen) {
    return Status::PermissionDenied(
        "vault " + store->Describe(),
        std::string("has no ") +
            (secret.kind == crypto::KeySlotKind::kPassphrase ? "passphrase" : "key-file") +
            " slot; unlock it with the kind of key it was created with");
  }
  std::string skipped;
  if (!problems.empty()) {
    skipped = " (" + std::to_string(problems.size()) +
              " objects under keys/ were skipped as not valid slots, " + "first " + problems.front().object +
              ": " + problems.front().problem + ")";
  }
  return Status::PermissionDenied(
      "vault " + store->Describe(),
      "the passphrase or key file does not open this vault; nothing was changed" + skipped);
}

Status Vault::CheckConfigSeal(std::span<const uint8_t> config_bytes) {
  // `config` is plaintext (it must be readable before the key is known), so once the vault is open its
  // bytes are checked against sealed copies in config-seal/<sha256>. Only the key can make a copy that
  // opens; copies that do not open are foreign and skipped. A vault written before this check (format v1
  // as first released) has no copy: the first unlock writes one (trust on first use).
  std::vector<std::string> keys;
  CV_RETURN_IF_ERROR(store_->List(layout::kConfigSealPrefix, [&](const storage::ObjectInfo& o) {
    if (layout::ParseConfigSealKey(o.key)) keys.push_back(o.key);
  }));
  std::sort(keys.begin(), keys.end());
  if (keys.size() > kMaxConfigSeals) keys.resize(kMaxConfigSeals);
  crypto::Aead aead(key_.data_key().view());
  bool matched = false;
  for (const auto& k : keys) {
    std::vector<uint8_t> sealed, plain;
    Status st = GetBounded(*store_, k, kMaxConfigSealSize, "config seal", &sealed);
    if (st.ok() && !aead.Open(sealed, Str(kConfigSealAad), &plain).ok())
      st = Status::Corruption(store_->Describe() + "/" + k, "does not decrypt (not written with this key)");
    if (!st.ok()) {
      if (!IsObjectProblem(st)) return st;
      AddProblem(k, st.message());
      continue;
    }
    if (!std::equal(plain.begin(), plain.end(), config_bytes.begin(), config_bytes.end())) {
      return Status::Corruption("vault " + store_->Describe() + " config",
                                "differs from the copy sealed when the vault was first opened with its key "
                                "(" +
                                    k + "): it was replaced; restore the original config");
    }
    matched = true;
  }
  if (matched) return Status::OK();
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(aead.Seal(config_bytes, Str(kConfigSealAad), &sealed));
  Status put = store_->Put(layout::ConfigSealKey(crypto::Sha256(sealed)), sealed);
  // A read-only identity cannot write it; a later writer will. Nothing depends on it but this check.
  if (!put.ok() && !put.IsAlreadyExists()) {
    AddProblem(std::string(layout::kConfigSealPrefix),
               "no sealed copy of config could be written (" + put.message() + "); config is not checked",
               /*damage=*/false);
  }
  return Status::OK();
}

void Vault::AddProblem(std::string object, std::string problem, bool damage) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& p : problems_) {
    if (p.object == object && p.problem == problem) return;  // LoadIndex may run twice
  }
  problems_.push_back({std::move(object), std::move(problem), damage});
}

std::vector<VaultProblem> Vault::Problems() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problems_;
}

Result<std::string> Vault::AddKeySlot(const crypto::KeySecret& secret, const crypto::ScryptParams& params) {
  CV_ASSIGN_OR_RETURN(std::string slot_id, RandomHex(8));
  CV_ASSIGN_OR_RETURN(std::string slot, crypto::WrapMasterKey(key_, secret, slot_id, params));
  CV_RETURN_IF_ERROR(store_->Put(layout::KeySlotKey(slot_id), Str(slot)));
  return slot_id;
}

Result<std::vector<Vault::SlotListing>> Vault::ListKeySlots() {
  std::vector<std::string> keys;
  CV_RETURN_IF_ERROR(
      store_->List(layout::kKeysPrefix, [&](const storage::ObjectInfo& o) { keys.push_back(o.key); }));
  std::sort(keys.begin(), keys.end());
  std::vector<SlotListing> out;
  for (const auto& k : keys) {
    if (!layout::ParseKeySlotKey(k)) {
      out.push_back({k, Status::Corruption(k, "is not a key slot name")});
      continue;
    }
    std::vector<uint8_t> doc;
    Status gs = GetBounded(*store_, k, kMaxKeySlotSize, "key slot", &doc);
    if (!gs.ok()) {
      if (!IsObjectProblem(gs)) return gs;
      out.push_back({k, gs});
      continue;
    }
    out.push_back({k, crypto::InspectKeySlot(std::string(doc.begin(), doc.end()))});
  }
  return out;
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
  CV_RETURN_IF_ERROR(GetBounded(*store_, key, kMaxRecordSize, "backup record", &sealed));
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
  if (raw > kMaxContentRawSize) return Status::Corruption(subject, "implausible size");
  std::vector<uint8_t> out;
  CV_RETURN_IF_ERROR(Decompress(body, raw, &out).Annotate(subject));
  return out;
}

Result<std::vector<uint8_t>> GetContentObject(Vault& v, const std::string& key, std::string_view kind) {
  std::vector<uint8_t> sealed, framed;
  std::string subject = v.store().Describe() + "/" + key;
  CV_RETURN_IF_ERROR(GetBounded(v.store(), key, kMaxContentObjectSize, kind, &sealed));
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
  std::sort(index_keys.begin(), index_keys.end());
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> blobs;
  std::set<ObjectId> indexed_packs;
  size_t duplicates = 0;
  // Committed indexes first: an index object that does not authenticate was not written with the key. It
  // is skipped, never fatal; the packs only it named count as unindexed and are checked before adoption.
  for (const auto& k : index_keys) {
    auto bytes = GetContentObject(*this, k, "index");
    Result<std::vector<IndexEntry>> entries =
        bytes.ok() ? DecodeIndex(*bytes, k) : Result<std::vector<IndexEntry>>(bytes.status());
    if (!entries.ok()) {
      if (!IsObjectProblem(entries.status())) return entries.status();
      AddProblem(k, "index object skipped: " + entries.status().message());
      continue;
    }
    for (const auto& e : *entries) {
      auto [it, fresh] = blobs.emplace(e.entry.blob_id, e);
      // The same entry may be named by two indexes (an adopted pack); only another pack is a duplicate.
      if (!fresh && it->second.pack_id != e.pack_id) ++duplicates;
      indexed_packs.insert(e.pack_id);
    }
  }
  // Then packs no index names (left by a killed backup, or put there by someone without the key). A pack
  // header is sealed but not bound to its pack, so a genuine header can be copied onto junk: every entry
  // is opened and checked against its blob id before the pack is adopted. A pack that does not check out is
  // not adopted, whatever it claims, and is reported.
  std::vector<std::pair<ObjectId, uint64_t>> orphans;
  for (const auto& [pack_id, size] : packs) {
    if (!indexed_packs.count(pack_id)) orphans.emplace_back(pack_id, size);
  }
  std::sort(orphans.begin(), orphans.end());
  std::vector<IndexEntry> adopted;
  BlobCodec codec(key_, 3);
  uint64_t budget = kMaxUnindexedBytesRead;
  size_t over_budget = 0;
  for (const auto& [pack_id, size] : orphans) {
    if (size <= kMaxUnindexedPackSize) {  // larger ones are refused unread below
      if (size > budget) {
        ++over_budget;
        continue;
      }
      budget -= size;
    }
    auto header = VerifyUnindexedPack(pack_id, size, codec);
    if (!header.ok()) {
      if (!IsObjectProblem(header.status())) return header.status();
      AddProblem(layout::PackKey(pack_id), "unindexed pack not adopted: " + header.status().message());
      continue;
    }
    for (const auto& pe : *header) {
      IndexEntry e{pack_id, pe};
      if (blobs.emplace(pe.blob_id, e).second) {
        adopted.push_back(e);
      } else {
        ++duplicates;
      }
    }
  }
  if (over_budget > 0) {
    AddProblem(std::string(layout::kPacksPrefix),
               std::to_string(over_budget) + " unindexed packs were not read: more than " +
                   std::to_string(kMaxUnindexedBytesRead >> 20) +
                   " MiB of packs no index names (junk, or many killed backups); a backup stores their " +
                   "blobs again if it needs them",
               /*damage=*/false);
  }
  std::lock_guard<std::mutex> lock(mu_);
  blobs_ = std::move(blobs);
  adopted_ = std::move(adopted);
  duplicates_ = duplicates;
  return Status::OK();
}

namespace {
// The entries of a pack held whole in memory, from its trailer and sealed header.
Result<std::vector<PackEntry>> DecodeWholePack(crypto::Aead& aead, const std::string& pack_key,
                                               std::span<const uint8_t> pack, size_t* header_start) {
  if (pack.size() < kPackTrailerSize) return Status::Corruption(pack_key, "too short to be a pack");
  CV_ASSIGN_OR_RETURN(uint32_t hlen,
                      ParsePackTrailer(pack.subspan(pack.size() - kPackTrailerSize), pack_key));
  if (uint64_t{hlen} + kPackTrailerSize > pack.size())
    return Status::Corruption(pack_key, "header length exceeds the pack");
  *header_start = pack.size() - kPackTrailerSize - hlen;
  std::vector<uint8_t> plain;
  if (!aead.Open(pack.subspan(*header_start, hlen), Str("cassvault/v1/pack-header"), &plain).ok()) {
    return Status::Corruption(pack_key, "pack header does not decrypt");
  }
  return DecodePackHeader(plain, pack_key);
}
}  // namespace

Result<std::vector<PackEntry>> Vault::VerifyUnindexedPack(const ObjectId& pack_id, uint64_t pack_size,
                                                          BlobCodec& codec) {
  std::string key = layout::PackKey(pack_id);
  if (pack_size > kMaxUnindexedPackSize) {
    return Status::Corruption(key, "is " + std::to_string(pack_size) +
                                       " bytes, larger than any pack a backup " + "writes (" +
                                       std::to_string(kMaxUnindexedPackSize) + "); not read");
  }
  std::vector<uint8_t> bytes;
  CV_RETURN_IF_ERROR(store_->Get(key, 0, pack_size, &bytes));
  if (bytes.size() != pack_size) return Status::Corruption(key, "shorter than listed");
  if (crypto::Sha256(bytes) != pack_id) return Status::Corruption(key, "content does not match its name");
  size_t header_start = 0;
  CV_ASSIGN_OR_RETURN(auto entries, DecodeWholePack(codec.aead(), key, bytes, &header_start));
  std::vector<uint8_t> plain;
  for (const auto& e : entries) {
    if (e.offset > header_start || e.stored_len > header_start - e.offset) {
      return Status::Corruption(key,
                                "entry for blob " + IdToHex(e.blob_id) + " lies outside the blob region");
    }
    Status st = codec.Open(e, std::span<const uint8_t>(bytes.data() + e.offset, e.stored_len), &plain);
    if (!st.ok()) return Status::Corruption(key, "entry does not check out: " + st.message());
  }
  return entries;
}

Result<std::vector<PackEntry>> Vault::FetchPackHeader(const ObjectId& pack_id, uint64_t pack_size) {
  std::string key = layout::PackKey(pack_id);
  if (pack_size < kPackTrailerSize) return Status::Corruption(key, "too short to be a pack");
  std::vector<uint8_t> trailer;
  CV_RETURN_IF_ERROR(store_->Get(key, pack_size - kPackTrailerSize, kPackTrailerSize, &trailer));
  CV_ASSIGN_OR_RETURN(uint32_t hlen, ParsePackTrailer(trailer, key));
  if (hlen + kPackTrailerSize > pack_size) return Status::Corruption(key, "header length exceeds the pack");
  if (hlen > kMaxPackHeaderSize || hlen < crypto::Aead::kOverhead)
    return Status::Corruption(key, "header length is implausible");
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(store_->Get(key, pack_size - kPackTrailerSize - hlen, hlen, &sealed));
  crypto::Aead aead(key_.data_key().view());
  std::vector<uint8_t> plain;
  if (!aead.Open(sealed, Str("cassvault/v1/pack-header"), &plain).ok()) {
    return Status::Corruption(key, "pack header does not decrypt");
  }
  return DecodePackHeader(plain, key);
}

Status Vault::CheckPackHeader(const ObjectId& pack_id, uint64_t pack_size,
                              std::span<const PackEntry> expected) {
  CV_ASSIGN_OR_RETURN(auto header, FetchPackHeader(pack_id, pack_size));
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
  // A length of 0 would ask the store for "to the end": no sealed blob is that short anyway.
  if (loc->entry.stored_len < crypto::Aead::kOverhead)
    return Status::Corruption(pack_key, "entry for blob " + IdToHex(id) + " is shorter than a sealed blob");
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
    auto rec = LoadRecord(id);
    if (!rec.ok()) {
      // One record that does not authenticate (or vanished since the listing) hides no other backup.
      if (!IsObjectProblem(rec.status())) return rec.status();
      if (!rec.status().IsNotFound())
        AddProblem(layout::BackupKey(id), "backup record skipped: " + rec.status().message());
      continue;
    }
    out.push_back(std::move(rec).value());
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
