// src/vault/object_table.h — typed access to the vault's whole objects (everything but blob ranges):
// names, bounded reads and the sealing of metadata, each driven by the kind table
// (core/vault_layout_kinds.h) instead of strings at each call site.
//
// Bounded reads: an object's size is checked against its kind's bound before a byte is allocated. Where a
// listing gave the size, exactly that many bytes are asked for, so a body of another length is an error
// (Corruption, like any other damage); otherwise the store's GetUpTo reads the whole object, refused past
// the kind's bound. Either way one request per object, never a Stat and a Get.
//
// Sealing is the vault's format's (vault_keys.h): callers name the kind and the object, never an AAD.
//
// Thread-safe (the store is; sealing makes its own sealer per call).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "crypto/key_slot.h"
#include "storage/object_store.h"
#include "vault/vault_keys.h"

namespace cv::vault {

// The size an object is known to have before it is read (from a listing), or nullopt (not known).
using KnownSize = std::optional<uint64_t>;

// Reads a whole object of `kind` (at most the kind's max_size bytes). Usable before the vault is unlocked
// (config, key slots). Corruption naming the object if it is larger than its kind can be.
Status ReadBounded(storage::ObjectStore& store, layout::ObjectKind kind, std::string_view key, KnownSize size,
                   std::vector<uint8_t>* out);

// Every name of `kind` under its prefix with its listed size, sorted by name. Names without the kind's
// shape are dropped (StrayNames::kIgnore) or kept for the caller to report (kReport).
// `under`: list only this folder of the kind's prefix (a partition: "index/<node id>/"); empty: all of it.
Status ListKind(storage::ObjectStore& store, layout::ObjectKind kind, std::vector<storage::ObjectInfo>* out,
                std::string_view under = {});

// Packs or index objects of one partition (format v2, docs/vault-format.md "Partitions"): the listing of
// layout::PartitionPrefix(kind, node_id), keeping only names of that partition. Node "" lists the whole
// prefix, as older releases did, and keeps the unpartitioned names only: a partitioned pack is read under its
// own partition's name, never under the unpartitioned one.
Status ListPartition(storage::ObjectStore& store, layout::ObjectKind kind, std::string_view node_id,
                     std::vector<storage::ObjectInfo>* out);

class ObjectTable {
 public:
  // The store and keys must outlive the table.
  ObjectTable(storage::ObjectStore& store, const VaultKeys& keys) : store_(store), keys_(keys) {}

  storage::ObjectStore& store() { return store_; }
  const VaultKeys& keys() const { return keys_; }
  // "<store>/<key>": how messages name an object.
  std::string Subject(std::string_view key) const;

  Status Read(layout::ObjectKind kind, std::string_view key, KnownSize size, std::vector<uint8_t>* out) {
    return ReadBounded(store_, kind, key, size, out);
  }
  Status List(layout::ObjectKind kind, std::vector<storage::ObjectInfo>* out, std::string_view under = {}) {
    return ListKind(store_, kind, out, under);
  }

  // kSealed kinds, bound to `key` (v2; v1 binds a backup record's id only).
  Status PutSealed(layout::ObjectKind kind, std::string_view key, std::span<const uint8_t> plaintext);
  // Corruption naming the object if it does not open as `kind` named `key`.
  Result<std::vector<uint8_t>> GetSealed(layout::ObjectKind kind, std::string_view key,
                                         KnownSize size = std::nullopt);

  // kFramedSealed kinds: framed (compressed where it pays), sealed and written create-only. v1 names the
  // object by the SHA-256 of its stored bytes (checkable without the key); v2 by a random id its AAD binds.
  // `root`: v2 only, seal under this key (a backup's content key) instead of the metadata root.
  Result<ObjectId> PutContent(layout::ObjectKind kind, std::span<const uint8_t> plaintext,
                              std::optional<crypto::ByteView> root = std::nullopt);
  Result<std::vector<uint8_t>> GetContent(layout::ObjectKind kind, std::string_view key,
                                          KnownSize size = std::nullopt,
                                          std::optional<crypto::ByteView> root = std::nullopt);
  // A framed object under a name the caller chooses (v2 reference sets: refs/<backup id>).
  Status PutFramedAt(layout::ObjectKind kind, std::string_view key, std::span<const uint8_t> plaintext);
  Result<std::vector<uint8_t>> GetFramedAt(layout::ObjectKind kind, std::string_view key,
                                           KnownSize size = std::nullopt);

 private:
  Result<std::vector<uint8_t>> OpenFramed(layout::ObjectKind kind, std::string_view key,
                                          std::span<const uint8_t> sealed,
                                          std::optional<crypto::ByteView> root);

  storage::ObjectStore& store_;
  const VaultKeys& keys_;
};

// Framed objects (index, manifest) decompress to at most this much.
inline constexpr uint64_t kMaxContentRawSize = uint64_t{1} << 30;

// The frame of kFramedSealed objects (docs/vault-format.md): u8 compression, u64 LE raw length, body.
std::vector<uint8_t> EncodeFrame(std::span<const uint8_t> plaintext);
Result<std::vector<uint8_t>> DecodeFrame(std::span<const uint8_t> framed, const std::string& subject);

}  // namespace cv::vault
