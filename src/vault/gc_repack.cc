#include "vault/gc_repack.h"

#include "vault/pack.h"

namespace cv::vault {

using layout::ObjectKind;

Result<std::string> WriteIndexObject(ObjectTable& table, const std::string& node, const ObjectId& pack_id,
                                     const ObjectId& content_key, const std::vector<PackEntry>& entries) {
  IndexV2 index;
  for (const auto& e : entries) index.entries.push_back({pack_id, e});
  index.pack_keys.emplace_back(pack_id, content_key);
  ObjectId id{};
  CV_RETURN_IF_ERROR(crypto::RandomBytes(id));
  const std::string key = layout::IndexKey(node, id);
  CV_RETURN_IF_ERROR(table.PutFramedAt(ObjectKind::kIndex, key, EncodeIndexV2(index)));
  return key;
}

Result<RepackResult> RepackPack(ObjectTable& table, const std::string& node, const ObjectId& old_id,
                                uint64_t size, const std::set<ObjectId>& keep) {
  PackReader reader(table.store(), table.keys(), node);
  const std::string old_key = reader.Key(old_id);
  if (size > kMaxUnindexedPackSize)
    return Status::Corruption(table.Subject(old_key), "is larger than a backup writes a pack; not repacked");
  std::vector<uint8_t> bytes;
  CV_RETURN_IF_ERROR(table.store().Get(old_key, 0, size, &bytes));
  CV_ASSIGN_OR_RETURN(PackContents contents, reader.CheckWhole(old_id, bytes));
  if (contents.version != 2)
    return Status::NotSupported(table.Subject(old_key), "only v2 packs are repacked");
  RepackResult out;
  out.content_key = contents.content_key;
  std::vector<uint8_t> region;
  for (const auto& e : contents.entries) {
    if (!keep.count(e.blob_id)) continue;
    PackEntry moved = e;
    moved.offset = region.size();
    // CheckWhole proved the entries tile the region the header commits to: the range is inside `bytes`.
    region.insert(region.end(), bytes.begin() + static_cast<std::ptrdiff_t>(e.offset),
                  bytes.begin() + static_cast<std::ptrdiff_t>(e.offset + e.stored_len));
    out.entries.push_back(moved);
  }
  if (out.entries.empty()) return Status::Internal(table.Subject(old_key), "no live blob to repack");
  CV_RETURN_IF_ERROR(crypto::RandomBytes(out.pack_id));
  out.pack_key = layout::PackKey(node, out.pack_id);
  CV_RETURN_IF_ERROR(
      FinishPackV2(table.keys(), out.pack_id, out.pack_key, out.content_key, out.entries, &region));
  CV_RETURN_IF_ERROR(table.store().Put(out.pack_key, region).Annotate("repack"));
  out.bytes = region.size();
  CV_ASSIGN_OR_RETURN(out.index_key,
                      WriteIndexObject(table, node, out.pack_id, out.content_key, out.entries));
  return out;
}

}  // namespace cv::vault
