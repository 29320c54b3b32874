// The master key and the key slots that wrap it.
//
// Key slot document (UTF-8 JSON, one object; stored under keys/<slot id>):
//   {
//     "version": 1,
//     "id": "<slot id>",                      1-64 of [A-Za-z0-9_-]; cassvault makes 16 hex digits
//     "kind": "passphrase" | "keyfile",
//     "kdf": {"name": "scrypt", "log2_n": 15, "r": 8, "p": 1, "salt": "<base64 of 16 bytes>"}  (passphrase)
//            {"name": "hkdf-sha256", "salt": "<base64 of 16 bytes>"}                           (keyfile)
//     "sealed_master_key": "<base64 of 92 bytes>"
//   }
// Base64 is RFC 4648, standard alphabet, padded. The key-encryption key (KEK) is 32 bytes:
//   passphrase: scrypt(P = the passphrase's bytes as given, S = salt, N = 2^log2_n, r, p, dkLen = 32)
//   keyfile:    HKDF-SHA256(IKM = key file material (key_file.cc), salt,
//                           info = "cassvault keyslot kek v1", L = 32)
// sealed_master_key = AES-256-GCM under the KEK of the 64-byte master key, AAD = "cassvault keyslot v1 <id>",
// laid out as nonce(12) || ciphertext(64) || tag(16). The AAD ties the sealed key to its slot id, so a
// sealed key copied into another slot document does not open. Slot documents hold no clock readings:
// crypto has no clock, and the store records when an object was written.
//
// From the master key, HKDF-SHA256 with an empty salt derives
//   data key = HKDF(master, info = "cassvault data key v1", 32)  — AEAD key of every object
//   id key   = HKDF(master, info = "cassvault id key v1", 32)    — HMAC-SHA256 key that names blobs
//
// Version 2 (vault format v2) replaces "sealed_master_key" with
//     "role": "writer" | "reader" | "admin",
//     "sealed_bundle": "<base64>"    AES-256-GCM under the KEK of the role's key bundle (key_bundle.cc),
//                                    AAD = "cassvault/v2/keyslot <vault id> <slot id> <role>"
// so a slot opens only in its own vault, under its own id, as the role it says it is.
//
// A version 2 Azure Key Vault slot has no "kdf"; instead
//     "kind": "azure-key-vault",
//     "kid": "https://NAME.vault.azure.net/keys/KEY/VERSION",   the exact key version that wrapped
//     "alg": "RSA-OAEP-256",
//     "wrapped_kek": "<base64url, unpadded>"   the 32-byte KEK, RSA-OAEP-256-wrapped by that key version
// and "sealed_bundle" as above under that KEK, with the same AAD. The KEK is random per slot; it is unwrapped
// by Key Vault with exactly the recorded kid, never "the latest version".
//
// Readers ignore members they do not know, so later versions can add some without breaking older readers;
// a version above 2 is NotSupported. Every other deviation is Corruption naming the slot.
#include "crypto/key_slot.h"

#include <nlohmann/json.hpp>
#include <string>

namespace cv::crypto {
namespace {

constexpr int kSlotVersionMaster = 1;  // format v1: the master key
constexpr int kSlotVersionBundle = 2;  // format v2: a key bundle
constexpr size_t kMaxSealedBundle = size_t{16} * 1024;
constexpr size_t kSaltSize = 16;
constexpr std::string_view kKindPassphrase = "passphrase";
constexpr std::string_view kKindKeyFile = "keyfile";
constexpr std::string_view kKindKeyVault = "azure-key-vault";
constexpr size_t kMaxWrappedKek = 1024;  // RSA up to 8192 bits
constexpr size_t kMaxKidSize = 512;
constexpr std::string_view kKdfScrypt = "scrypt";
constexpr std::string_view kKdfHkdf = "hkdf-sha256";
constexpr std::string_view kKeyFileKekInfo = "cassvault keyslot kek v1";
constexpr std::string_view kDataKeyInfo = "cassvault data key v1";
constexpr std::string_view kIdKeyInfo = "cassvault id key v1";
constexpr size_t kKekSize = 32;
constexpr size_t kSealedMasterKeySize = MasterKey::kSize + Aead::kOverhead;

using Json = nlohmann::json;

// Key Vault speaks base64url without padding (RFC 4648 §5); the slot stores the KEK as Key Vault returned it.
std::string Base64UrlEncode(ByteView b) {
  std::string s = Base64Encode(b);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}
Result<Bytes> Base64UrlDecode(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '+' || c == '/' || c == '=')
      return Status::InvalidArgument("base64url text", "holds '+', '/' or '='");
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  if (s.size() % 4 == 1) return Status::InvalidArgument("base64url text", "has an impossible length");
  while (s.size() % 4 != 0) s.push_back('=');
  return Base64Decode(s);
}

bool ValidSlotId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string SlotAad(std::string_view id) { return "cassvault keyslot v1 " + std::string(id); }
std::string BundleSlotAad(std::string_view vault_id, std::string_view id, KeyRole role) {
  return "cassvault/v2/keyslot " + std::string(vault_id) + " " + std::string(id) + " " +
         std::string(KeyRoleName(role));
}

Result<SecretBytes> DeriveKek(const KeySecret& secret, ByteView salt, const ScryptParams& params) {
  if (secret.kind == KeySlotKind::kPassphrase) {
    std::string_view pass(reinterpret_cast<const char*>(secret.secret.data()), secret.secret.size());
    return Scrypt(pass, salt, params, kKekSize);
  }
  return Hkdf(secret.secret.view(), salt, kKeyFileKekInfo, kKekSize);
}

// Reads the members of one slot document; every failure is Corruption naming the slot.
class SlotReader {
 public:
  explicit SlotReader(std::string subject) : subject_(std::move(subject)) {}
  const std::string& subject() const { return subject_; }

  Status Malformed(std::string_view detail) const { return Status::Corruption(subject_, detail); }

  Result<const Json*> Member(const Json& obj, const char* name) const {
    auto it = obj.find(name);
    if (it == obj.end()) return Malformed(std::string("has no \"") + name + "\"");
    return &*it;
  }

  Result<std::string> String(const Json& obj, const char* name) const {
    CV_ASSIGN_OR_RETURN(const Json* v, Member(obj, name));
    if (!v->is_string()) return Malformed(std::string("\"") + name + "\" is not a string");
    return v->get<std::string>();
  }

  Result<int> Int(const Json& obj, const char* name, int lo, int hi) const {
    CV_ASSIGN_OR_RETURN(const Json* v, Member(obj, name));
    if (!v->is_number_integer()) return Malformed(std::string("\"") + name + "\" is not an integer");
    // Unsigned first: a huge unsigned value read as int64 would wrap into range.
    bool in_range = false;
    int64_t value = 0;
    if (v->is_number_unsigned()) {
      in_range = v->get<uint64_t>() <= static_cast<uint64_t>(hi);
      if (in_range) value = static_cast<int64_t>(v->get<uint64_t>());
    } else {
      value = v->get<int64_t>();
      in_range = value <= hi;
    }
    if (!in_range || value < lo) {
      return Malformed(std::string("\"") + name + "\" is outside " + std::to_string(lo) + ".." +
                       std::to_string(hi));
    }
    return static_cast<int>(value);
  }

  Result<Bytes> Base64(const Json& obj, const char* name, size_t min_size, size_t max_size,
                       bool url = false) const {
    CV_ASSIGN_OR_RETURN(std::string text, String(obj, name));
    Result<Bytes> b = url ? Base64UrlDecode(text) : Base64Decode(text);
    if (!b.ok()) return Malformed(std::string("\"") + name + "\": " + b.status().message());
    if (b->size() < min_size || b->size() > max_size) {
      return Malformed(std::string("\"") + name + "\" holds " + std::to_string(b->size()) +
                       " bytes, expected " +
                       (min_size == max_size ? std::to_string(min_size)
                                             : std::to_string(min_size) + ".." + std::to_string(max_size)));
    }
    return b;
  }

 private:
  std::string subject_;
};

struct ParsedSlot {
  int version = 0;
  KeyRole role = KeyRole::kAdmin;  // version 2
  std::string id;
  KeySlotKind kind = KeySlotKind::kPassphrase;
  ScryptParams scrypt;
  Bytes salt;
  Bytes sealed;            // the master key (version 1) or the key bundle (version 2)
  WrappedKey wrapped_kek;  // Key Vault slots
};

Result<KeyRole> ParseRole(const SlotReader& r, const Json& doc) {
  CV_ASSIGN_OR_RETURN(std::string role, r.String(doc, "role"));
  if (role == KeyRoleName(KeyRole::kWriter)) return KeyRole::kWriter;
  if (role == KeyRoleName(KeyRole::kReader)) return KeyRole::kReader;
  if (role == KeyRoleName(KeyRole::kAdmin)) return KeyRole::kAdmin;
  return r.Malformed("\"role\" is not writer, reader or admin");
}

// The members of a Key Vault slot (version 2 only): kid, alg, wrapped KEK, role, sealed bundle.
Status ParseKeyVaultSlot(const SlotReader& r, const Json& doc, ParsedSlot* slot) {
  if (slot->version != kSlotVersionBundle) return r.Malformed("an Azure Key Vault slot must be version 2");
  CV_ASSIGN_OR_RETURN(slot->wrapped_kek.kid, r.String(doc, "kid"));
  if (slot->wrapped_kek.kid.size() > kMaxKidSize || !ValidVersionedKid(slot->wrapped_kek.kid))
    return r.Malformed("\"kid\" is not a versioned Key Vault key id (https://HOST/keys/NAME/VERSION)");
  CV_ASSIGN_OR_RETURN(slot->wrapped_kek.alg, r.String(doc, "alg"));
  if (slot->wrapped_kek.alg != kKeyVaultAlg)
    return r.Malformed("\"alg\" is not " + std::string(kKeyVaultAlg));
  CV_ASSIGN_OR_RETURN(slot->wrapped_kek.wrapped, r.Base64(doc, "wrapped_kek", 16, kMaxWrappedKek, true));
  CV_ASSIGN_OR_RETURN(slot->role, ParseRole(r, doc));
  CV_ASSIGN_OR_RETURN(slot->sealed, r.Base64(doc, "sealed_bundle", Aead::kOverhead + 1, kMaxSealedBundle));
  return Status::OK();
}

Result<ParsedSlot> ParseSlot(std::string_view slot_json) {
  Json doc = Json::parse(slot_json.begin(), slot_json.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Corruption("key slot", "is not valid JSON");
  if (!doc.is_object()) return Status::Corruption("key slot", "is not a JSON object");

  ParsedSlot slot;
  // The id names the slot in every later error, so read it first.
  {
    SlotReader anonymous("key slot");
    CV_ASSIGN_OR_RETURN(slot.id, anonymous.String(doc, "id"));
    if (!ValidSlotId(slot.id)) return anonymous.Malformed("\"id\" is not 1-64 characters of [A-Za-z0-9_-]");
  }
  SlotReader r("key slot " + slot.id);

  CV_ASSIGN_OR_RETURN(const Json* version, r.Member(doc, "version"));
  if (!version->is_number_integer()) return r.Malformed("\"version\" is not an integer");
  if (version->is_number_unsigned() && version->get<uint64_t>() > kSlotVersionBundle) {
    return Status::NotSupported(r.subject(), "has format version " +
                                                 std::to_string(version->get<uint64_t>()) +
                                                 ", newer than this cassvault reads (" +
                                                 std::to_string(kSlotVersionBundle) + "); upgrade cassvault");
  }
  if (version->get<int64_t>() != kSlotVersionMaster && version->get<int64_t>() != kSlotVersionBundle) {
    return r.Malformed("\"version\" is not a known version");
  }
  slot.version = static_cast<int>(version->get<int64_t>());

  CV_ASSIGN_OR_RETURN(std::string kind, r.String(doc, "kind"));
  if (kind == kKindPassphrase) {
    slot.kind = KeySlotKind::kPassphrase;
  } else if (kind == kKindKeyFile) {
    slot.kind = KeySlotKind::kKeyFile;
  } else if (kind == kKindKeyVault) {
    slot.kind = KeySlotKind::kKeyVault;
    CV_RETURN_IF_ERROR(ParseKeyVaultSlot(r, doc, &slot));
    return slot;
  } else {
    // Likely a slot kind added by a later cassvault, not damage.
    return Status::NotSupported(r.subject(),
                                "has a kind this cassvault does not know (it knows \"passphrase\", "
                                "\"keyfile\" and \"azure-key-vault\"); upgrade cassvault");
  }

  CV_ASSIGN_OR_RETURN(const Json* kdf, r.Member(doc, "kdf"));
  if (!kdf->is_object()) return r.Malformed("\"kdf\" is not an object");
  CV_ASSIGN_OR_RETURN(std::string kdf_name, r.String(*kdf, "name"));
  if (slot.kind == KeySlotKind::kPassphrase) {
    if (kdf_name != kKdfScrypt) return r.Malformed("a passphrase slot needs kdf \"scrypt\"");
    // Wide bounds here; Scrypt() enforces the memory limit when the key is derived.
    CV_ASSIGN_OR_RETURN(slot.scrypt.log2_n, r.Int(*kdf, "log2_n", 1, 30));
    CV_ASSIGN_OR_RETURN(slot.scrypt.r, r.Int(*kdf, "r", 1, 64));
    CV_ASSIGN_OR_RETURN(slot.scrypt.p, r.Int(*kdf, "p", 1, 64));
  } else if (kdf_name != kKdfHkdf) {
    return r.Malformed("a key file slot needs kdf \"hkdf-sha256\"");
  }
  CV_ASSIGN_OR_RETURN(slot.salt, r.Base64(*kdf, "salt", kSaltSize, 64));
  if (slot.version == kSlotVersionMaster) {
    CV_ASSIGN_OR_RETURN(slot.sealed,
                        r.Base64(doc, "sealed_master_key", kSealedMasterKeySize, kSealedMasterKeySize));
    return slot;
  }
  CV_ASSIGN_OR_RETURN(slot.role, ParseRole(r, doc));
  CV_ASSIGN_OR_RETURN(slot.sealed, r.Base64(doc, "sealed_bundle", Aead::kOverhead + 1, kMaxSealedBundle));
  return slot;
}

}  // namespace

// ---- MasterKey ----

Result<MasterKey> MasterKey::Generate() {
  SecretBytes raw(kSize);
  CV_RETURN_IF_ERROR(RandomBytes({raw.data(), raw.size()}));
  return FromBytes(raw.view());
}

Result<MasterKey> MasterKey::FromBytes(ByteView b) {
  if (b.size() != kSize) {
    return Status::InvalidArgument(
        "master key", "must be " + std::to_string(kSize) + " bytes, got " + std::to_string(b.size()));
  }
  MasterKey key;
  key.raw_ = SecretBytes(b);
  CV_ASSIGN_OR_RETURN(key.data_key_, Hkdf(b, {}, kDataKeyInfo, 32));
  CV_ASSIGN_OR_RETURN(key.id_key_, Hkdf(b, {}, kIdKeyInfo, 32));
  return key;
}

// ---- Secrets and slots ----

KeySecret PassphraseSecret(std::string_view passphrase) {
  KeySecret s;
  s.kind = KeySlotKind::kPassphrase;
  s.secret = SecretBytes(AsBytes(passphrase));
  return s;
}

namespace {

// What every new slot starts with: a checked id and secret, a fresh salt, the KEK.
struct NewKek {
  std::string subject;
  Bytes salt;
  SecretBytes kek;
};

Result<NewKek> DeriveNewKek(const KeySecret& secret, std::string_view slot_id, const ScryptParams& params) {
  if (!ValidSlotId(slot_id)) {
    return Status::InvalidArgument("key slot id", "must be 1-64 characters of [A-Za-z0-9_-]");
  }
  NewKek k;
  k.subject = "key slot " + std::string(slot_id);
  if (secret.kind == KeySlotKind::kKeyVault)
    return Status::InvalidArgument(k.subject, "a Key Vault slot is made with WrapKeyBundleWithKeyVault");
  if (secret.secret.size() == 0) {
    return Status::InvalidArgument(k.subject, secret.kind == KeySlotKind::kPassphrase
                                                  ? "the passphrase is empty"
                                                  : "the key file is empty");
  }
  k.salt = Bytes(kSaltSize);
  CV_RETURN_IF_ERROR(RandomBytes(k.salt));
  Result<SecretBytes> kek = DeriveKek(secret, k.salt, params);
  if (!kek.ok()) return kek.status().Annotate(k.subject);
  k.kek = std::move(*kek);
  return k;
}

// The slot document; `role` only for version 2.
Result<std::string> SlotDocument(const NewKek& k, int version, std::string_view slot_id,
                                 const KeySecret& secret, const ScryptParams& params, const KeyRole* role,
                                 ByteView sealed) {
  // ordered_json keeps the members in the documented order, for people reading the store.
  nlohmann::ordered_json kdf;
  if (secret.kind == KeySlotKind::kPassphrase) {
    kdf["name"] = kKdfScrypt;
    kdf["log2_n"] = params.log2_n;
    kdf["r"] = params.r;
    kdf["p"] = params.p;
  } else {
    kdf["name"] = kKdfHkdf;
  }
  kdf["salt"] = Base64Encode(k.salt);
  nlohmann::ordered_json doc;
  doc["version"] = version;
  doc["id"] = slot_id;
  doc["kind"] = secret.kind == KeySlotKind::kPassphrase ? kKindPassphrase : kKindKeyFile;
  if (role != nullptr) doc["role"] = KeyRoleName(*role);
  doc["kdf"] = std::move(kdf);
  doc[role != nullptr ? "sealed_bundle" : "sealed_master_key"] = Base64Encode(sealed);
  try {
    return doc.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {  // only invalid UTF-8 throws; every string here is ASCII
    return Status::Internal(k.subject, std::string("JSON encoding failed: ") + e.what());
  }
}

}  // namespace

Result<std::string> WrapMasterKey(const MasterKey& key, const KeySecret& secret, std::string_view slot_id,
                                  const ScryptParams& params) {
  if (key.raw().size() != MasterKey::kSize) {
    return Status::InvalidArgument("key slot " + std::string(slot_id), "the master key is not set");
  }
  CV_ASSIGN_OR_RETURN(NewKek k, DeriveNewKek(secret, slot_id, params));
  Bytes sealed;
  CV_RETURN_IF_ERROR(Aead(k.kek.view()).Seal(key.raw().view(), AsBytes(SlotAad(slot_id)), &sealed));
  return SlotDocument(k, kSlotVersionMaster, slot_id, secret, params, nullptr, sealed);
}

Result<std::string> WrapKeyBundle(const KeyBundle& bundle, const KeySecret& secret, std::string_view slot_id,
                                  std::string_view vault_id, const ScryptParams& params) {
  CV_ASSIGN_OR_RETURN(NewKek k, DeriveNewKek(secret, slot_id, params));
  const KeyRole role = bundle.role();
  Bytes sealed;
  CV_RETURN_IF_ERROR(
      Aead(k.kek.view())
          .Seal(bundle.Serialize().view(), AsBytes(BundleSlotAad(vault_id, slot_id, role)), &sealed));
  return SlotDocument(k, kSlotVersionBundle, slot_id, secret, params, &role, sealed);
}

namespace {
Result<ParsedSlot> ParseSlotNoThrow(std::string_view slot_json) {
  try {
    return ParseSlot(slot_json);
  } catch (const nlohmann::json::exception&) {  // the reader checks types first; this is a backstop
    return Status::Corruption("key slot", "unreadable JSON");
  }
}
}  // namespace

Result<KeySlotInfo> InspectKeySlot(std::string_view slot_json) {
  CV_ASSIGN_OR_RETURN(ParsedSlot slot, ParseSlotNoThrow(slot_json));
  KeySlotInfo info;
  info.id = slot.id;
  info.version = slot.version;
  info.role = slot.role;
  info.kind = slot.kind;
  info.scrypt = slot.scrypt;
  info.kid = slot.wrapped_kek.kid;
  info.alg = slot.wrapped_kek.alg;
  if (slot.kind == KeySlotKind::kPassphrase) {
    // The same caps Scrypt() applies, checked before any work: a slot over them is damaged or hostile.
    if (ScryptWork(slot.scrypt) > kScryptMaxWork ||
        128 * static_cast<uint64_t>(slot.scrypt.r) * (uint64_t{1} << slot.scrypt.log2_n) >
            (uint64_t{1} << 30)) {
      return Status::Corruption("key slot " + slot.id,
                                "kdf parameters cost more than any slot cassvault creates (log2_n " +
                                    std::to_string(slot.scrypt.log2_n) + ", r " +
                                    std::to_string(slot.scrypt.r) + ", p " + std::to_string(slot.scrypt.p) +
                                    ")");
    }
    info.work = ScryptWork(slot.scrypt);
  }
  return info;
}

namespace {

// The slot's KEK from `secret`; the errors every unwrap reports the same way.
Result<SecretBytes> SlotKek(const ParsedSlot& slot, const KeySecret& secret) {
  const std::string subject = "key slot " + slot.id;
  if (slot.kind == KeySlotKind::kKeyVault)
    return Status::InvalidArgument(subject, "is an Azure Key Vault slot; only Key Vault opens it");
  if (slot.kind != secret.kind) {
    return Status::InvalidArgument(subject, slot.kind == KeySlotKind::kPassphrase
                                                ? "is a passphrase slot; a key file cannot open it"
                                                : "is a key file slot; a passphrase cannot open it");
  }
  Result<SecretBytes> kek = DeriveKek(secret, slot.salt, slot.scrypt);
  if (!kek.ok()) {
    // Parameters no writer would choose (more than the memory limit) mean a damaged or hostile slot.
    if (kek.status().code() == StatusCode::kInvalidArgument) {
      return Status::Corruption(subject, "kdf parameters: " + kek.status().message());
    }
    return kek.status().Annotate(subject);
  }
  return kek;
}

// GCM cannot tell a wrong key from a damaged sealed key; a wrong secret is by far the likelier cause.
Status WrongSecret(const ParsedSlot& slot, Status s) {
  if (s.IsCorruption()) {
    return Status::PermissionDenied("key slot " + slot.id,
                                    "the passphrase or key file does not open this vault");
  }
  return s;
}

}  // namespace

Result<MasterKey> UnwrapMasterKey(std::string_view slot_json, const KeySecret& secret) {
  CV_ASSIGN_OR_RETURN(ParsedSlot slot, ParseSlotNoThrow(slot_json));
  if (slot.version != kSlotVersionMaster) {
    return Status::InvalidArgument("key slot " + slot.id, "is a format v2 slot (it wraps a key bundle)");
  }
  CV_ASSIGN_OR_RETURN(SecretBytes kek, SlotKek(slot, secret));
  SecretBytes raw(MasterKey::kSize);
  CV_RETURN_IF_ERROR(WrongSecret(
      slot, Aead(kek.view()).Open(slot.sealed, AsBytes(SlotAad(slot.id)), {raw.data(), raw.size()})));
  return MasterKey::FromBytes(raw.view());
}

Result<KeyBundle> UnwrapKeyBundle(std::string_view slot_json, const KeySecret& secret,
                                  std::string_view vault_id) {
  CV_ASSIGN_OR_RETURN(ParsedSlot slot, ParseSlotNoThrow(slot_json));
  if (slot.version != kSlotVersionBundle) {
    return Status::InvalidArgument("key slot " + slot.id, "is a format v1 slot (it wraps a master key)");
  }
  CV_ASSIGN_OR_RETURN(SecretBytes kek, SlotKek(slot, secret));
  SecretBytes raw(slot.sealed.size() - Aead::kOverhead);
  CV_RETURN_IF_ERROR(
      WrongSecret(slot, Aead(kek.view())
                            .Open(slot.sealed, AsBytes(BundleSlotAad(vault_id, slot.id, slot.role)),
                                  {raw.data(), raw.size()})));
  Result<KeyBundle> bundle = KeyBundle::Parse(raw.view());
  if (!bundle.ok()) return bundle.status().Annotate("key slot " + slot.id);
  if (bundle->role() != slot.role) {
    return Status::Corruption("key slot " + slot.id, "says it is a " + std::string(KeyRoleName(slot.role)) +
                                                         " key but holds a " +
                                                         std::string(KeyRoleName(bundle->role())) + " key");
  }
  return bundle;
}

// ---- Azure Key Vault slots ----

std::string_view KeySlotKindName(KeySlotKind k) {
  switch (k) {
    case KeySlotKind::kPassphrase:
      return kKindPassphrase;
    case KeySlotKind::kKeyFile:
      return kKindKeyFile;
    case KeySlotKind::kKeyVault:
      return kKindKeyVault;
  }
  return "unknown";
}

bool ValidVersionedKid(std::string_view kid) {
  constexpr std::string_view kScheme = "https://";
  if (kid.substr(0, kScheme.size()) != kScheme) return false;
  std::string_view rest = kid.substr(kScheme.size());
  size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  for (char c : rest.substr(0, slash)) {  // a host name (and port): no user info, query or fragment
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-' || c == ':';
    if (!ok) return false;
  }
  rest = rest.substr(slash + 1);
  if (rest.substr(0, 5) != "keys/") return false;
  rest = rest.substr(5);
  size_t mid = rest.find('/');
  if (mid == 0 || mid == std::string_view::npos || mid + 1 == rest.size()) return false;
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (i == mid) continue;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> WrapKeyBundleWithKeyVault(const KeyBundle& bundle, KeyWrapper& wrapper,
                                              std::string_view kid, std::string_view slot_id,
                                              std::string_view vault_id) {
  if (!ValidSlotId(slot_id)) {
    return Status::InvalidArgument("key slot id", "must be 1-64 characters of [A-Za-z0-9_-]");
  }
  const std::string subject = "key slot " + std::string(slot_id);
  if (kid.size() > kMaxKidSize || !ValidVersionedKid(kid)) {
    return Status::InvalidArgument(subject + " (" + wrapper.Name() + ")",
                                   "the key id is not a versioned Key Vault key id "
                                   "(https://NAME.vault.azure.net/keys/KEY/VERSION)");
  }
  SecretBytes kek(kKekSize);
  CV_RETURN_IF_ERROR(RandomBytes({kek.data(), kek.size()}));
  Result<WrappedKey> w = wrapper.Wrap(kid, kek.view());
  if (!w.ok()) return w.status().Annotate(subject);
  // The slot must record what really wrapped: a wrapper answering for another version would leave a slot
  // that unwraps with the wrong key.
  if (w->kid != kid || w->alg != kKeyVaultAlg) {
    return Status::Internal(subject, wrapper.Name() + " wrapped with " + w->kid + " " + w->alg + ", not " +
                                         std::string(kid) + " " + std::string(kKeyVaultAlg));
  }
  if (w->wrapped.size() < 16 || w->wrapped.size() > kMaxWrappedKek) {
    return Status::Internal(subject, wrapper.Name() + " returned a wrapped key of " +
                                         std::to_string(w->wrapped.size()) + " bytes");
  }
  const KeyRole role = bundle.role();
  Bytes sealed;
  CV_RETURN_IF_ERROR(
      Aead(kek.view())
          .Seal(bundle.Serialize().view(), AsBytes(BundleSlotAad(vault_id, slot_id, role)), &sealed));
  nlohmann::ordered_json doc;
  doc["version"] = kSlotVersionBundle;
  doc["id"] = slot_id;
  doc["kind"] = kKindKeyVault;
  doc["role"] = KeyRoleName(role);
  doc["kid"] = w->kid;
  doc["alg"] = w->alg;
  doc["wrapped_kek"] = Base64UrlEncode(w->wrapped);
  doc["sealed_bundle"] = Base64Encode(sealed);
  try {
    return doc.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {  // only invalid UTF-8 throws; the kid was checked ASCII
    return Status::Internal(subject, std::string("JSON encoding failed: ") + e.what());
  }
}

Result<KeyBundle> UnwrapKeyBundleWithKeyVault(std::string_view slot_json, KeyWrapper& wrapper,
                                              std::string_view vault_id) {
  CV_ASSIGN_OR_RETURN(ParsedSlot slot, ParseSlotNoThrow(slot_json));
  const std::string subject = "key slot " + slot.id;
  if (slot.kind != KeySlotKind::kKeyVault) {
    return Status::InvalidArgument(
        subject, "is a " + std::string(KeySlotKindName(slot.kind)) + " slot, not an Azure Key Vault slot");
  }
  // Exactly the recorded version: the slot's KEK was wrapped by it, and no other version may stand in.
  Result<SecretBytes> kek = wrapper.Unwrap(slot.wrapped_kek);
  if (!kek.ok()) return kek.status().Annotate(subject);
  if (kek->size() != kKekSize) {
    return Status::Corruption(subject, wrapper.Name() + " unwrapped " + std::to_string(kek->size()) +
                                           " bytes, not a " + std::to_string(kKekSize) + "-byte KEK");
  }
  SecretBytes raw(slot.sealed.size() - Aead::kOverhead);
  Status open =
      Aead(kek->view())
          .Open(slot.sealed, AsBytes(BundleSlotAad(vault_id, slot.id, slot.role)), {raw.data(), raw.size()});
  if (!open.ok()) {
    // Key Vault unwrapped, so the key is right: the sealed bundle is not this slot's in this vault.
    return Status::Corruption(subject, "the key unwrapped by " + slot.wrapped_kek.kid +
                                           " does not open the sealed bundle: the slot was damaged, or "
                                           "copied from another slot or vault");
  }
  Result<KeyBundle> bundle = KeyBundle::Parse(raw.view());
  if (!bundle.ok()) return bundle.status().Annotate(subject);
  if (bundle->role() != slot.role) {
    return Status::Corruption(subject, "says it is a " + std::string(KeyRoleName(slot.role)) +
                                           " key but holds a " + std::string(KeyRoleName(bundle->role())) +
                                           " key");
  }
  return bundle;
}

}  // namespace cv::crypto
