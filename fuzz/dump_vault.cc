// fuzz/dump_vault.cc — writes seed inputs for the fuzz targets from a real vault on disk, of either format:
// opens it with its key file and writes each object's bytes as the corresponding target sees them
// (decrypted, unframed, with the selector byte that picks the reader and the fixture's format).
// Not a fuzz target; run by hand when the formats change (fuzz/README.md):
//   build/asan/fuzz/fuzz_dump_vault VAULT_DIR KEY_FILE fuzz/corpus
// File names start with the format ("v2-index-3"), so seeds of both formats live side by side.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "backends/local/local_store.h"
#include "core/pack_format.h"
#include "core/pack_format_v2.h"
#include "core/vault_layout.h"
#include "crypto/key_slot.h"
#include "vault/object_table.h"
#include "vault/vault.h"

namespace {

namespace fs = std::filesystem;
using cv::layout::ObjectKind;

// The fuzz targets read at most this much (scripts/fuzz -max_len): larger objects are not worth a seed.
constexpr size_t kMaxSeed = 65536;
// vault_config's targets replace this id by their fixture's (fuzz/vault_config.cc).
constexpr std::string_view kSentinelId = "5eed5eed5eed5eed5eed5eed5eed5eed";
// vault_objects reads records and manifests as this backup's (fuzz/vault_objects.cc): its seeds name it, so
// the reader goes past "belongs to another backup".
constexpr std::string_view kFuzzBackupId = "20261205T120000Z-0badcafe";

std::vector<uint8_t> Renamed(std::span<const uint8_t> plain, const std::string& backup_id) {
  std::string text(plain.begin(), plain.end());
  for (size_t at = text.find(backup_id); !backup_id.empty() && at != std::string::npos;
       at = text.find(backup_id, at + kFuzzBackupId.size())) {
    text.replace(at, backup_id.size(), kFuzzBackupId);
  }
  return {text.begin(), text.end()};
}

void Write(const fs::path& dir, const std::string& name, std::span<const uint8_t> bytes, int selector = -1) {
  if (bytes.size() + 1 > kMaxSeed) return;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary);
  if (selector >= 0) f.put(static_cast<char>(selector));
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::span<const uint8_t> Str(std::string_view s) { return cv::crypto::AsBytes(s); }

int Fail(const std::string& what) {
  std::fprintf(stderr, "dump_vault: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return Fail("usage: fuzz_dump_vault VAULT_DIR KEY_FILE CORPUS_DIR");
  fs::path out = argv[3];
  auto store = cv::backends::OpenLocalStore(argv[1], false);
  if (!store.ok()) return Fail(store.status().ToString());
  auto secret = cv::crypto::LoadKeyFile(argv[2]);
  if (!secret.ok()) return Fail(secret.status().ToString());
  auto opened = cv::vault::Vault::Open(std::move(store).value(), *secret);
  if (!opened.ok()) return Fail(opened.status().ToString());
  cv::vault::Vault& v = **opened;
  const auto& keys = v.keys();
  const bool v2 = v.format() == 2;
  const std::string fmt = v2 ? "v2-" : "v1-";
  // The selector's top bit says v1 to vault_objects (vault_fixture.h FormatOf).
  const int format_bit = v2 ? 0 : 0x80;
  auto& s = v.store();

  // v2 manifests open with their backup's content key, which the backup record names.
  std::map<std::string, cv::BackupRecord> manifest_records;
  auto records = v.ListBackups();
  if (!records.ok()) return Fail(records.status().ToString());
  for (const auto& r : *records) manifest_records[cv::layout::ManifestKey(r.manifest_id)] = r;

  std::vector<cv::storage::ObjectInfo> all;
  (void)s.List("", [&](const cv::storage::ObjectInfo& o) { all.push_back(o); });
  int n = 0;
  for (const auto& o : all) {
    std::vector<uint8_t> raw, plain;
    if (!s.Get(o.key, 0, 0, &raw).ok()) return Fail("cannot read " + o.key);
    std::string tag = fmt + std::to_string(n++);
    if (o.key == cv::layout::kConfig) {
      std::string text(raw.begin(), raw.end());
      if (size_t at = text.find(v.vault_id()); at != std::string::npos) text.replace(at, 32, kSentinelId);
      Write(out / "vault_config", fmt + "config", Str(text));
    } else if (o.key.starts_with(cv::layout::kKeysPrefix)) {
      Write(out / "key_slot", "slot-" + tag, raw);
    } else if (cv::layout::ParseBackupKey(o.key)) {
      if (!keys.Open(ObjectKind::kBackupRecord, o.key, raw, &plain)) return Fail(o.key);
      Write(out / "backup_record", "record-" + tag, plain);
      Write(out / "vault_objects", "record-" + tag, Renamed(plain, *cv::layout::ParseBackupKey(o.key)),
            2 | format_bit);
    } else if (o.key.starts_with(cv::layout::kIndexPrefix) ||
               o.key.starts_with(cv::layout::kManifestsPrefix)) {
      bool index = o.key.starts_with(cv::layout::kIndexPrefix);
      auto kind = index ? ObjectKind::kIndex : ObjectKind::kManifest;
      bool ok = false;
      auto record = manifest_records.find(o.key);
      if (!index && record == manifest_records.end()) return Fail(o.key + ": no backup record names it");
      if (!index && v2) {
        auto key = v.content_keys().Get(record->second.content_key);
        if (!key.ok()) return Fail(key.status().ToString());
        ok = keys.OpenUnder((*key)->key.view(), kind, o.key, raw, &plain);
      } else {
        ok = keys.Open(kind, o.key, raw, &plain);
      }
      if (!ok) return Fail(o.key);
      auto unframed = cv::vault::DecodeFrame(plain, o.key);
      if (!unframed.ok()) return Fail(o.key);
      Write(out / "vault_objects", (index ? "index-frame-" : "manifest-frame-") + tag,
            index ? plain : cv::vault::EncodeFrame(Renamed(*unframed, record->second.backup_id)),
            (index ? 0 : 1) | format_bit);
      Write(out / (index ? "index" : "manifest_json"), (index ? "index-" : "manifest-") + tag, *unframed);
    } else if (o.key.starts_with(cv::layout::KindInfo(ObjectKind::kReferenceSet).prefix)) {
      if (!keys.Open(ObjectKind::kReferenceSet, o.key, raw, &plain)) return Fail(o.key);
      Write(out / "vault_objects", "refs-frame-" + tag, plain, 5 | format_bit);
    } else if (o.key.starts_with(cv::layout::KindInfo(ObjectKind::kContentKey).prefix)) {
      Write(out / "vault_objects", "content-key-" + tag, raw, 6 | format_bit);
    } else if (cv::layout::ParsePackKey(o.key)) {
      if (raw.size() < cv::kPackTrailerSize) return Fail(o.key);
      auto trailer = std::span<const uint8_t>(raw).subspan(raw.size() - cv::kPackTrailerSize);
      auto parsed = cv::ParseAnyPackTrailer(trailer, o.key);
      if (!parsed.ok()) return Fail(parsed.status().ToString());
      if (parsed->sealed_header_len > raw.size() - cv::kPackTrailerSize) return Fail(o.key);
      size_t header_at = raw.size() - cv::kPackTrailerSize - parsed->sealed_header_len;
      auto sealed = std::span<const uint8_t>(raw).subspan(header_at, parsed->sealed_header_len);
      if (!keys.Open(ObjectKind::kPack, o.key, sealed, &plain)) return Fail(o.key);
      Write(out / "pack_header", "header-" + tag, plain);
      std::vector<uint8_t> with_trailer = plain;
      with_trailer.insert(with_trailer.end(), trailer.begin(), trailer.end());
      Write(out / "pack_header", "header-trailer-" + tag, with_trailer);
      // [blob region]\n--\n[header plaintext] for the orphan pack reader; the whole pack for the raw one.
      std::vector<uint8_t> parts(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(header_at));
      for (char c : std::string_view("\n--\n")) parts.push_back(static_cast<uint8_t>(c));
      parts.insert(parts.end(), plain.begin(), plain.end());
      Write(out / "vault_objects", "pack-parts-" + tag, parts, 3 | format_bit);
      Write(out / "vault_objects", "pack-raw-" + tag, raw, 4 | format_bit);
    }
    Write(out / "object_names", "name-" + tag, Str(o.key));
  }
  return 0;
}
