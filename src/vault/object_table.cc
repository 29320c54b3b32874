#include "vault/object_table.h"

#include <algorithm>

#include "core/byte_io.h"
#include "vault/compression.h"

namespace cv::vault {

using layout::ObjectKind;

Status ReadBounded(storage::ObjectStore& store, layout::ObjectKind kind, std::string_view key, KnownSize size,
                   std::vector<uint8_t>* out) {
  const layout::ObjectKindInfo& k = layout::KindInfo(kind);
  std::string subject = store.Describe() + "/" + std::string(key);
  if (!size) return store.GetUpTo(key, k.max_size, k.name, out);  // one request where the store can
  if (*size > k.max_size) {
    return Status::Corruption(subject, "is " + std::to_string(*size) + " bytes, more than a " +
                                           std::string(k.name) + " can be (" + std::to_string(k.max_size) +
                                           "); not read (damaged or not ours)");
  }
  out->clear();
  if (*size == 0) return Status::OK();
  CV_RETURN_IF_ERROR(store.Get(key, 0, *size, out));
  if (out->size() != *size) return Status::Corruption(subject, "changed size while being read");
  return Status::OK();
}

Status ListKind(storage::ObjectStore& store, layout::ObjectKind kind, std::vector<storage::ObjectInfo>* out,
                std::string_view under) {
  const layout::ObjectKindInfo& k = layout::KindInfo(kind);
  out->clear();
  if (!under.empty() && under.substr(0, k.prefix.size()) != k.prefix)
    return Status::Internal(under, std::string("is not under ") + std::string(k.prefix));
  CV_RETURN_IF_ERROR(store.List(under.empty() ? k.prefix : under, [&](const storage::ObjectInfo& o) {
    if (k.strays == layout::StrayNames::kReport || layout::IsNameOf(kind, o.key)) out->push_back(o);
  }));
  std::sort(out->begin(), out->end(),
            [](const storage::ObjectInfo& a, const storage::ObjectInfo& b) { return a.key < b.key; });
  return Status::OK();
}

Status ListPartition(storage::ObjectStore& store, layout::ObjectKind kind, std::string_view node_id,
                     std::vector<storage::ObjectInfo>* out) {
  if (kind != ObjectKind::kPack && kind != ObjectKind::kIndex)
    return Status::Internal(layout::KindInfo(kind).name, "is not a partitioned kind");
  const std::string under = node_id.empty() ? std::string() : layout::PartitionPrefix(kind, node_id);
  CV_RETURN_IF_ERROR(ListKind(store, kind, out, under));
  std::erase_if(*out, [&](const storage::ObjectInfo& o) {
    auto name = kind == ObjectKind::kPack ? layout::ParsePartitionedPackKey(o.key)
                                          : layout::ParsePartitionedIndexKey(o.key);
    return !name || name->node_id != node_id;
  });
  return Status::OK();
}

std::string ObjectTable::Subject(std::string_view key) const {
  return store_.Describe() + "/" + std::string(key);
}

Status ObjectTable::PutSealed(ObjectKind kind, std::string_view key, std::span<const uint8_t> plaintext) {
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> sealed, keys_.Seal(kind, key, plaintext));
  return store_.Put(key, sealed);
}

Result<std::vector<uint8_t>> ObjectTable::GetSealed(ObjectKind kind, std::string_view key, KnownSize size) {
  std::vector<uint8_t> sealed, plain;
  CV_RETURN_IF_ERROR(Read(kind, key, size, &sealed));
  if (!keys_.Open(kind, key, sealed, &plain))
    return Status::Corruption(Subject(key), "does not decrypt or was tampered with");
  return plain;
}

Result<ObjectId> ObjectTable::PutContent(ObjectKind kind, std::span<const uint8_t> plaintext,
                                         std::optional<crypto::ByteView> root) {
  std::vector<uint8_t> framed = EncodeFrame(plaintext);
  if (keys_.format() == 1) {
    CV_ASSIGN_OR_RETURN(std::vector<uint8_t> sealed, keys_.Seal(kind, "", framed));
    ObjectId id = crypto::Sha256(sealed);
    Status st = store_.Put(layout::ContentKey(kind, id), sealed);
    if (!st.ok() && !st.IsAlreadyExists()) return st;
    return id;
  }
  ObjectId id{};
  CV_RETURN_IF_ERROR(crypto::RandomBytes(id));
  std::string key = layout::ContentKey(kind, id);
  auto sealed = root ? keys_.SealUnder(*root, kind, key, framed) : keys_.Seal(kind, key, framed);
  if (!sealed.ok()) return sealed.status();
  CV_RETURN_IF_ERROR(store_.Put(key, *sealed));
  return id;
}

Result<std::vector<uint8_t>> ObjectTable::GetContent(ObjectKind kind, std::string_view key, KnownSize size,
                                                     std::optional<crypto::ByteView> root) {
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(Read(kind, key, size, &sealed));
  // v1: the name is the hash of the bytes, a check that needs no key.
  if (keys_.format() == 1 && layout::ParseContentKey(kind, key) != crypto::Sha256(sealed)) {
    return Status::Corruption(Subject(key), "content does not match its name (damaged or tampered)");
  }
  return OpenFramed(kind, key, sealed, root);
}

Status ObjectTable::PutFramedAt(ObjectKind kind, std::string_view key, std::span<const uint8_t> plaintext) {
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> sealed, keys_.Seal(kind, key, EncodeFrame(plaintext)));
  return store_.Put(key, sealed);
}

Result<std::vector<uint8_t>> ObjectTable::GetFramedAt(ObjectKind kind, std::string_view key, KnownSize size) {
  std::vector<uint8_t> sealed;
  CV_RETURN_IF_ERROR(Read(kind, key, size, &sealed));
  return OpenFramed(kind, key, sealed, std::nullopt);
}

Result<std::vector<uint8_t>> ObjectTable::OpenFramed(ObjectKind kind, std::string_view key,
                                                     std::span<const uint8_t> sealed,
                                                     std::optional<crypto::ByteView> root) {
  std::vector<uint8_t> framed;
  bool opened =
      root ? keys_.OpenUnder(*root, kind, key, sealed, &framed) : keys_.Open(kind, key, sealed, &framed);
  if (!opened) {
    return Status::Corruption(Subject(key), "does not decrypt or was tampered with (not this vault's " +
                                                std::string(layout::KindInfo(kind).name) + " " +
                                                std::string(key) + ")");
  }
  return DecodeFrame(framed, Subject(key));
}

std::vector<uint8_t> EncodeFrame(std::span<const uint8_t> plaintext) {
  Compressor comp(3);
  std::vector<uint8_t> compressed;
  Compression c = comp.MaybeCompress(plaintext, &compressed);
  std::span<const uint8_t> body = c == Compression::kZstd ? std::span<const uint8_t>(compressed) : plaintext;
  std::vector<uint8_t> framed;
  framed.reserve(1 + 8 + body.size());
  ByteWriter w(&framed);
  w.U8(static_cast<uint8_t>(c));
  w.U64(plaintext.size());
  w.Bytes(body);
  return framed;
}

Result<std::vector<uint8_t>> DecodeFrame(std::span<const uint8_t> framed, const std::string& subject) {
  ByteReader r(framed);
  uint8_t compression = r.U8();
  uint64_t raw = r.U64();
  if (!r.ok() || compression > 1) return Status::Corruption(subject, "malformed object frame");
  std::span<const uint8_t> body = framed.subspan(9);
  if (compression == static_cast<uint8_t>(Compression::kNone)) {
    if (body.size() != raw) return Status::Corruption(subject, "wrong length");
    return std::vector<uint8_t>(body.begin(), body.end());
  }
  if (raw > kMaxContentRawSize) return Status::Corruption(subject, "implausible size");
  std::vector<uint8_t> out;
  CV_RETURN_IF_ERROR(Decompress(body, raw, &out).Annotate(subject));
  return out;
}

}  // namespace cv::vault
