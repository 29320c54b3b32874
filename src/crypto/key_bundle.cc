// Serialised bundle (sealed inside a key slot, never stored in clear), little-endian:
//   "CVKB" | u8 version=1 | u8 role | writer secret(32) | admin public(32) | u8 has admin seed | [seed(32)]
//   | u16 readers | readers × (u32 id | public(32) | u8 has private | [private(32)])
// Reader ids ascend; the last is the current one.
#include "crypto/key_bundle.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace cv::crypto {

namespace {

constexpr char kMagic[4] = {'C', 'V', 'K', 'B'};
constexpr uint8_t kVersion = 1;
constexpr size_t kKey = 32;

Status Bad(const std::string& what) { return Status::Corruption("key bundle", what); }

class Writer {
 public:
  explicit Writer(SecretBytes* out) : out_(out) {}
  void Put(const void* p, size_t n) {
    std::memcpy(out_->data() + pos_, p, n);
    pos_ += n;
  }
  void U8(uint8_t v) { Put(&v, 1); }
  void U16(uint16_t v) { U8(static_cast<uint8_t>(v)), U8(static_cast<uint8_t>(v >> 8)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }

 private:
  SecretBytes* out_;
  size_t pos_ = 0;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  bool Take(size_t n, ByteView* out) {
    if (in_.size() - pos_ < n) return false;
    *out = in_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool U8(uint8_t* v) {
    ByteView b;
    if (!Take(1, &b)) return false;
    *v = b[0];
    return true;
  }
  bool U16(uint16_t* v) {
    ByteView b;
    if (!Take(2, &b)) return false;
    *v = static_cast<uint16_t>(b[0] | (b[1] << 8));
    return true;
  }
  bool U32(uint32_t* v) {
    ByteView b;
    if (!Take(4, &b)) return false;
    *v = static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 | static_cast<uint32_t>(b[2]) << 16 |
         static_cast<uint32_t>(b[3]) << 24;
    return true;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  ByteView in_;
  size_t pos_ = 0;
};

Result<SecretBytes> Derive32(const SecretBytes& secret, std::string_view info) {
  return Hkdf(secret.view(), {}, info, kKey);
}

bool Holds(KeyRole have, KeyRole want) { return static_cast<uint8_t>(have) >= static_cast<uint8_t>(want); }

}  // namespace

std::string_view KeyRoleName(KeyRole r) {
  switch (r) {
    case KeyRole::kWriter:
      return "writer";
    case KeyRole::kReader:
      return "reader";
    case KeyRole::kAdmin:
      return "admin";
  }
  return "unknown";
}

Status KeyBundle::Derive() {
  CV_ASSIGN_OR_RETURN(blob_id_key_, Derive32(writer_secret_, "cassvault v2 blob id"));
  CV_ASSIGN_OR_RETURN(metadata_root_, Derive32(writer_secret_, "cassvault v2 metadata"));
  CV_ASSIGN_OR_RETURN(config_key_, Derive32(writer_secret_, "cassvault v2 config"));
  return Status::OK();
}

Result<KeyBundle> KeyBundle::Generate() {
  KeyBundle b;
  b.role_ = KeyRole::kAdmin;
  b.writer_secret_ = SecretBytes(kKey);
  CV_RETURN_IF_ERROR(RandomBytes({b.writer_secret_.data(), kKey}));
  CV_ASSIGN_OR_RETURN(SigningKey admin, SigningKey::Generate());
  b.admin_public_ = admin.public_key();
  b.admin_ = std::move(admin);
  CV_RETURN_IF_ERROR(b.AddReaderKey());
  CV_RETURN_IF_ERROR(b.Derive());
  return b;
}

Status KeyBundle::AddReaderKey() {
  if (role_ != KeyRole::kAdmin) {
    return Status::PermissionDenied(
        "reader key rotation", "needs an admin key; this is a " + std::string(KeyRoleName(role_)) + " key");
  }
  CV_ASSIGN_OR_RETURN(X25519KeyPair pair, X25519KeyPair::Generate());
  ReaderKey r;
  r.id = readers_.empty() ? 1 : readers_.back().id + 1;
  r.public_key = pair.public_key();
  r.pair = std::move(pair);
  readers_.push_back(std::move(r));
  return Status::OK();
}

Result<KeyBundle> KeyBundle::ForRole(KeyRole role) const {
  if (!Holds(role_, role)) {
    return Status::InvalidArgument("key bundle", "a " + std::string(KeyRoleName(role_)) +
                                                     " key cannot make a " + std::string(KeyRoleName(role)) +
                                                     " key");
  }
  CV_ASSIGN_OR_RETURN(KeyBundle b, Parse(Serialize().view()));  // a deep copy of the secrets
  b.role_ = role;
  if (role != KeyRole::kAdmin) b.admin_.reset();
  if (role == KeyRole::kWriter) {
    for (ReaderKey& r : b.readers_) r.pair.reset();
  }
  return b;
}

SecretBytes KeyBundle::Serialize() const {
  size_t size = 4 + 2 + kKey + kKey + 1 + (admin_ ? kKey : 0) + 2;
  for (const ReaderKey& r : readers_) size += 4 + kKey + 1 + (r.pair ? kKey : 0);
  SecretBytes out(size);
  Writer w(&out);
  w.Put(kMagic, sizeof kMagic);
  w.U8(kVersion);
  w.U8(static_cast<uint8_t>(role_));
  w.Put(writer_secret_.data(), kKey);
  w.Put(admin_public_.data(), kKey);
  w.U8(admin_ ? 1 : 0);
  if (admin_) w.Put(admin_->seed().data(), kKey);
  w.U16(static_cast<uint16_t>(readers_.size()));
  for (const ReaderKey& r : readers_) {
    w.U32(r.id);
    w.Put(r.public_key.data(), kKey);
    w.U8(r.pair ? 1 : 0);
    if (r.pair) w.Put(r.pair->private_key().data(), kKey);
  }
  return out;
}

Result<KeyBundle> KeyBundle::Parse(ByteView bytes) {
  Reader in(bytes);
  ByteView magic, secret, admin_pub, key;
  uint8_t version = 0, role = 0, has_admin = 0;
  if (!in.Take(4, &magic) || std::memcmp(magic.data(), kMagic, 4) != 0)
    return Bad("does not start with CVKB");
  if (!in.U8(&version) || version != kVersion) return Bad("unknown version " + std::to_string(version));
  if (!in.U8(&role) || role < 1 || role > 3) return Bad("unknown role " + std::to_string(role));
  KeyBundle b;
  b.role_ = static_cast<KeyRole>(role);
  if (!in.Take(kKey, &secret) || !in.Take(kKey, &admin_pub) || !in.U8(&has_admin)) return Bad("truncated");
  b.writer_secret_ = SecretBytes(secret);
  std::copy(admin_pub.begin(), admin_pub.end(), b.admin_public_.begin());
  if ((has_admin == 1) != (b.role_ == KeyRole::kAdmin) || has_admin > 1) {
    return Bad("an admin signing key belongs to admin bundles only");
  }
  if (has_admin == 1) {
    if (!in.Take(kKey, &key)) return Bad("truncated");
    CV_ASSIGN_OR_RETURN(SigningKey admin, SigningKey::FromSeed(key));
    if (admin.public_key() != b.admin_public_)
      return Bad("the admin signing key does not match its public key");
    b.admin_ = std::move(admin);
  }
  uint16_t n = 0;
  if (!in.U16(&n) || n == 0) return Bad("no reader key");
  for (uint16_t i = 0; i < n; ++i) {
    ReaderKey r;
    ByteView pub;
    uint8_t has_private = 0;
    if (!in.U32(&r.id) || !in.Take(kKey, &pub) || !in.U8(&has_private) || has_private > 1)
      return Bad("truncated");
    if (!b.readers_.empty() && r.id <= b.readers_.back().id) return Bad("reader key ids do not ascend");
    std::copy(pub.begin(), pub.end(), r.public_key.begin());
    if ((has_private == 1) != (b.role_ != KeyRole::kWriter)) {
      return Bad("reader private keys belong to reader and admin bundles, all of them, and only there");
    }
    if (has_private == 1) {
      if (!in.Take(kKey, &key)) return Bad("truncated");
      CV_ASSIGN_OR_RETURN(X25519KeyPair pair, X25519KeyPair::FromPrivate(key));
      if (pair.public_key() != r.public_key) {
        return Bad("reader key " + std::to_string(r.id) + " does not match its public key");
      }
      r.pair = std::move(pair);
    }
    b.readers_.push_back(std::move(r));
  }
  if (!in.done()) return Bad("trailing bytes");
  CV_RETURN_IF_ERROR(b.Derive());
  return b;
}

Result<const X25519KeyPair*> KeyBundle::ReaderPrivate(uint32_t id) const {
  if (role_ == KeyRole::kWriter) {
    return Status::PermissionDenied("reading backup contents",
                                    "needs a reader or admin key; this vault was opened with a writer key, "
                                    "which can back up, list and fast-verify but not read backups back");
  }
  for (const ReaderKey& r : readers_) {
    if (r.id == id) return &*r.pair;
  }
  return Status::NotFound("reader key " + std::to_string(id), "is not in this key slot");
}

Result<const SigningKey*> KeyBundle::AdminSigner() const {
  if (!admin_) {
    return Status::PermissionDenied("admin operation", "needs an admin key; this vault was opened with a " +
                                                           std::string(KeyRoleName(role_)) + " key");
  }
  return &*admin_;
}

}  // namespace cv::crypto
