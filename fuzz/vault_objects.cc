// fuzz/vault_objects.cc — the vault's readers of sealed metadata, through the public Vault API, with
// plaintext the fuzzer chooses sealed under the vault's real keys, bound to the kind and name the reader
// looks for (what a holder of the key, or a bug in an older cassvault, could have written).
// The first input byte is the selector: its top bit picks the fixture vault (clear: format v2, set: v1,
// vault_fixture.h); the rest, modulo 7, the reader:
//   0: an index object (the frame: u8 compression, u64 raw length, body maybe zstd) via LoadIndex
//      (v1 body: core/pack_format.h DecodeIndex; v2: DecodeIndexV2, which names each pack's content key)
//   1: a manifest object (same frame) via LoadManifest (v2: sealed under a content key the record names)
//   2: a backup record (sealed JSON) via LoadRecord and ListBackups
//   3: an orphan pack: the rest is [blob region][header plaintext] split at the last "\n--\n"; the header
//      is sealed and the trailer appended as a pack writer would, then LoadIndex adopts it. v2: the pack id,
//      region length and BLAKE3 region hash in the header are set to the true ones (the fuzzer cannot
//      compute a hash), so the entries are what it explores
//   4: an orphan pack taken as is (a key-less writer's bytes): LoadIndex reads its trailer
//   5: a reference set (v2; the frame, sealed as refs/<backup id>) via LoadReferenceSet
//   6: a content key object taken as is (v2: u32 reader id, sealed box) via LoadManifest, which opens it
#include <string>

#include "core/pack_format_v2.h"
#include "core/vault_layout.h"
#include "crypto/blake3_hash.h"
#include "crypto/crypto.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/vault_fixture.h"

namespace {

using cv::layout::ObjectKind;

const std::string kBackupId = "20261205T120000Z-0badcafe";

std::vector<uint8_t> Seal(cv::vault::Vault& vault, ObjectKind kind, std::string_view name,
                          std::span<const uint8_t> plain) {
  auto sealed = vault.keys().Seal(kind, name, plain);
  if (!sealed.ok()) __builtin_trap();
  return std::move(sealed).value();
}

// A fixed id for v2 objects named by a random id (the store is cleared between inputs).
cv::ObjectId FixedId(uint8_t tag) {
  cv::ObjectId id{};
  id.fill(tag);
  return id;
}

// v2 manifests are sealed under a backup's content key: one, made once per process (its object stays).
const cv::vault::ContentKey& ManifestKey() {
  static const auto key = [] {
    auto made = cv::fuzz::FuzzVault(2).content_keys().Create();
    if (!made.ok()) __builtin_trap();
    return std::move(made).value();
  }();
  return *key;
}

// Drops the previous input's objects; keys/, config and content-keys/ stay.
void Reset(cv::fuzz::MemoryStore& store) {
  for (auto prefix : {cv::layout::kIndexPrefix, cv::layout::kPacksPrefix, cv::layout::kManifestsPrefix,
                      cv::layout::kBackupsPrefix, cv::layout::KindInfo(ObjectKind::kReferenceSet).prefix}) {
    store.Clear(prefix);
  }
}

void OrphanPack(cv::vault::Vault& vault, std::span<const uint8_t> in) {
  std::span<const uint8_t> region = {}, header = in;
  std::string_view t = cv::fuzz::Text(in);
  if (size_t at = t.rfind("\n--\n"); at != std::string_view::npos) {
    region = in.subspan(0, at);
    header = in.subspan(at + 4);
  }
  std::vector<uint8_t> pack(region.begin(), region.end());
  if (vault.format() == 1) {
    auto sealed = Seal(vault, ObjectKind::kPack, "", header);
    pack.insert(pack.end(), sealed.begin(), sealed.end());
    cv::AppendPackTrailer(static_cast<uint32_t>(sealed.size()), &pack);
    (void)vault.store().Put(cv::layout::PackKey(cv::crypto::Sha256(pack)), pack);
    return;
  }
  // The v2 header's fixed fields: u32 version, pack id, content key id, u64 region length, region hash.
  const cv::ObjectId pack_id = FixedId(0x9a);
  std::vector<uint8_t> plain(header.begin(), header.end());
  constexpr size_t kPackIdAt = 4, kRegionLenAt = 4 + 32 + 32, kRegionHashAt = kRegionLenAt + 8;
  if (plain.size() >= kRegionHashAt + 32) {
    std::copy(pack_id.begin(), pack_id.end(), plain.begin() + kPackIdAt);
    uint64_t len = region.size();
    for (size_t i = 0; i < 8; ++i) plain[kRegionLenAt + i] = static_cast<uint8_t>(len >> (8 * i));
    auto hash = cv::crypto::Blake3::Hash(region);
    std::copy(hash.begin(), hash.end(), plain.begin() + kRegionHashAt);
  }
  const std::string key = cv::layout::PackKey(pack_id);
  auto sealed = Seal(vault, ObjectKind::kPack, key, plain);
  pack.insert(pack.end(), sealed.begin(), sealed.end());
  cv::AppendPackTrailerV2(static_cast<uint32_t>(sealed.size()), &pack);
  (void)vault.store().Put(key, pack);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  const uint8_t selector = cv::fuzz::TakeSelector(&in);
  const int format = cv::fuzz::FormatOf(selector);
  // Junk packs and indexes add to the vault's problem log, which lives as long as the vault.
  static uint64_t inputs[2] = {0, 0};
  if (++inputs[format - 1] % 4096 == 0) {
    Reset(cv::fuzz::FuzzStore(format));
    cv::fuzz::RenewFuzzVault(format);
  }
  auto& vault = cv::fuzz::FuzzVault(format);
  auto& store = cv::fuzz::FuzzStore(format);
  const bool v2 = format == 2;
  Reset(store);
  switch ((selector & 0x7f) % 7) {
    case 0: {
      if (v2) {
        const std::string key = cv::layout::IndexKey(FixedId(0x1d));
        (void)store.Put(key, Seal(vault, ObjectKind::kIndex, key, in));
      } else {
        auto sealed = Seal(vault, ObjectKind::kIndex, "", in);
        (void)store.Put(cv::layout::IndexKey(cv::crypto::Sha256(sealed)), sealed);
      }
      (void)vault.LoadIndex();
      break;
    }
    case 1: {
      cv::BackupRecord record;
      record.backup_id = kBackupId;
      if (v2) {
        const auto& content_key = ManifestKey();
        record.version = 2;
        record.content_key = content_key.id;
        record.manifest_id = FixedId(0x3a);
        const std::string key = cv::layout::ManifestKey(record.manifest_id);
        auto sealed = vault.keys().SealUnder(content_key.key.view(), ObjectKind::kManifest, key, in);
        if (!sealed.ok()) __builtin_trap();
        (void)store.Put(key, *sealed);
      } else {
        auto sealed = Seal(vault, ObjectKind::kManifest, "", in);
        record.manifest_id = cv::crypto::Sha256(sealed);
        (void)store.Put(cv::layout::ManifestKey(record.manifest_id), sealed);
      }
      (void)vault.LoadManifest(record);
      break;
    }
    case 2: {
      const std::string key = cv::layout::BackupKey(kBackupId);
      (void)store.Put(key, Seal(vault, ObjectKind::kBackupRecord, key, in));
      (void)vault.LoadRecord(kBackupId);
      (void)vault.ListBackups();
      break;
    }
    case 3:
      OrphanPack(vault, in);
      (void)vault.LoadIndex();
      break;
    case 4: {
      const cv::ObjectId id = v2 ? FixedId(0x4b) : cv::crypto::Sha256(in);
      (void)store.Put(cv::layout::PackKey(id), in);
      (void)vault.LoadIndex();
      break;
    }
    case 5: {
      const std::string key = cv::layout::RefsKey(kBackupId);
      (void)store.Put(key, Seal(vault, ObjectKind::kReferenceSet, key, in));
      (void)vault.LoadReferenceSet(kBackupId);
      break;
    }
    default: {
      // A fresh id each time would grow the store (content-keys/ is kept) and the key cache never holds
      // junk, so one id, removed after.
      cv::BackupRecord record;
      record.backup_id = kBackupId;
      record.version = 2;
      record.content_key = FixedId(0xc0);
      record.manifest_id = FixedId(0x3a);
      const std::string key = cv::layout::ContentKeyObjectKey(record.content_key);
      (void)store.Put(key, in);
      (void)vault.LoadManifest(record);
      (void)store.Delete(key);
      break;
    }
  }
  return 0;
}
