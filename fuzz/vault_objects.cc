// fuzz/vault_objects.cc — the vault's readers of sealed metadata, through the public Vault API, with
// plaintext the fuzzer chooses sealed under the vault's real key (what a holder of the key, or a bug in
// an older cassvault, could have written). The first input byte picks the reader:
//   0: an index object (GetContentObject's frame: kind byte, u64 raw length, body maybe zstd) via LoadIndex
//   1: a manifest object (same frame) via LoadManifest
//   2: a backup record (sealed JSON) via LoadRecord
//   3: an orphan pack: the rest is [blob bytes][header plaintext] split at the last "\n--\n"; the header
//      is sealed and the trailer appended as a pack writer would, then LoadIndex adopts it
//   4: an orphan pack taken as is (a key-less writer's bytes): LoadIndex reads its trailer
#include <string>

#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/vault_fixture.h"

namespace {

using cv::layout::ObjectKind;

std::vector<uint8_t> Seal(std::span<const uint8_t> plain, std::string_view aad) {
  auto sealed = cv::fuzz::FuzzVault().objects().Seal(plain, aad);
  if (!sealed.ok()) __builtin_trap();
  return std::move(sealed).value();
}

std::string_view Aad(ObjectKind kind) { return cv::layout::KindInfo(kind).aad; }

void Reset() {
  auto& store = cv::fuzz::FuzzStore();
  for (auto prefix : {cv::layout::kIndexPrefix, cv::layout::kPacksPrefix, cv::layout::kManifestsPrefix,
                      cv::layout::kBackupsPrefix}) {
    store.Clear(prefix);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  uint8_t which = cv::fuzz::TakeSelector(&in) % 5;
  auto& vault = cv::fuzz::FuzzVault();
  auto& store = cv::fuzz::FuzzStore();
  Reset();
  const std::string backup_id = "20261205T120000Z-0badcafe";
  switch (which) {
    case 0: {
      auto sealed = Seal(in, Aad(ObjectKind::kIndex));
      (void)store.Put(cv::layout::IndexKey(cv::crypto::Sha256(sealed)), sealed);
      (void)vault.LoadIndex();
      break;
    }
    case 1: {
      auto sealed = Seal(in, Aad(ObjectKind::kManifest));
      cv::BackupRecord record;
      record.backup_id = backup_id;
      record.manifest_id = cv::crypto::Sha256(sealed);
      (void)store.Put(cv::layout::ManifestKey(record.manifest_id), sealed);
      (void)vault.LoadManifest(record);
      break;
    }
    case 2: {
      (void)store.Put(cv::layout::BackupKey(backup_id),
                      Seal(in, std::string(Aad(ObjectKind::kBackupRecord)) + backup_id));
      (void)vault.LoadRecord(backup_id);
      (void)vault.ListBackups();
      break;
    }
    case 3: {
      std::span<const uint8_t> blobs = {}, header = in;
      std::string_view t = cv::fuzz::Text(in);
      if (size_t at = t.rfind("\n--\n"); at != std::string_view::npos) {
        blobs = in.subspan(0, at);
        header = in.subspan(at + 4);
      }
      std::vector<uint8_t> pack(blobs.begin(), blobs.end());
      auto sealed = Seal(header, cv::vault::kPackHeaderAad);
      pack.insert(pack.end(), sealed.begin(), sealed.end());
      cv::AppendPackTrailer(static_cast<uint32_t>(sealed.size()), &pack);
      (void)store.Put(cv::layout::PackKey(cv::crypto::Sha256(pack)), pack);
      (void)vault.LoadIndex();
      break;
    }
    default: {
      (void)store.Put(cv::layout::PackKey(cv::crypto::Sha256(in)), in);
      (void)vault.LoadIndex();
      break;
    }
  }
  return 0;
}
