// fuzz/dump_vault.cc — writes seed inputs for the fuzz targets from a real vault on disk: opens it with its
// key file and writes each object's bytes as the corresponding target sees them (decrypted, unframed).
// Not a fuzz target; run by hand when the formats change (fuzz/README.md):
//   build/asan/fuzz/fuzz_dump_vault VAULT_DIR KEY_FILE fuzz/corpus
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "backends/local/local_store.h"
#include "core/pack_format.h"
#include "core/vault_layout.h"
#include "crypto/key_slot.h"
#include "vault/object_table.h"
#include "vault/pack.h"
#include "vault/vault.h"

namespace {

namespace fs = std::filesystem;

void Write(const fs::path& dir, const std::string& name, std::span<const uint8_t> bytes, int selector = -1) {
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
  auto& s = v.store();
  cv::crypto::Aead aead(v.key().data_key().view());
  std::vector<cv::storage::ObjectInfo> all;
  (void)s.List("", [&](const cv::storage::ObjectInfo& o) { all.push_back(o); });
  int n = 0;
  for (const auto& o : all) {
    std::vector<uint8_t> raw, plain;
    if (!s.Get(o.key, 0, 0, &raw).ok()) return Fail("cannot read " + o.key);
    std::string tag = std::to_string(n++);
    if (o.key == cv::layout::kConfig) {
      Write(out / "vault_config", "config", raw);
    } else if (o.key.starts_with(cv::layout::kKeysPrefix)) {
      Write(out / "key_slot", "slot-" + tag, raw);
    } else if (cv::layout::ParseBackupKey(o.key)) {
      std::string id = *cv::layout::ParseBackupKey(o.key);
      if (!aead.Open(raw,
                     Str(std::string(cv::layout::KindInfo(cv::layout::ObjectKind::kBackupRecord).aad) + id),
                     &plain)
               .ok())
        return Fail(o.key);
      Write(out / "backup_record", "record-" + tag, plain);
      Write(out / "vault_objects", "record-" + tag, plain, 2);
    } else if (o.key.starts_with(cv::layout::kIndexPrefix) ||
               o.key.starts_with(cv::layout::kManifestsPrefix)) {
      bool index = o.key.starts_with(cv::layout::kIndexPrefix);
      auto kind = index ? cv::layout::ObjectKind::kIndex : cv::layout::ObjectKind::kManifest;
      if (!aead.Open(raw, Str(cv::layout::KindInfo(kind).aad), &plain).ok()) {
        return Fail(o.key);
      }
      Write(out / "vault_objects", (index ? "index-frame-" : "manifest-frame-") + tag, plain, index ? 0 : 1);
      auto unframed = cv::vault::DecodeFrame(plain, o.key);
      if (!unframed.ok()) return Fail(o.key);
      Write(out / (index ? "index" : "manifest_json"), (index ? "index-" : "manifest-") + tag, *unframed);
    } else if (cv::layout::ParsePackKey(o.key)) {
      auto trailer = std::span<const uint8_t>(raw).subspan(raw.size() - cv::kPackTrailerSize);
      auto hlen = cv::ParsePackTrailer(trailer, o.key);
      if (!hlen.ok()) return Fail(o.key);
      size_t header_at = raw.size() - cv::kPackTrailerSize - *hlen;
      auto sealed = std::span<const uint8_t>(raw).subspan(header_at, *hlen);
      if (!aead.Open(sealed, Str(cv::vault::kPackHeaderAad), &plain).ok()) return Fail(o.key);
      Write(out / "pack_header", "header-" + tag, plain);
      std::vector<uint8_t> with_trailer = plain;
      with_trailer.insert(with_trailer.end(), trailer.begin(), trailer.end());
      Write(out / "pack_header", "header-trailer-" + tag, with_trailer);
      // [blob bytes]\n--\n[header plaintext] for the orphan pack reader; the whole pack for the raw one.
      std::vector<uint8_t> parts(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(header_at));
      for (char c : std::string_view("\n--\n")) parts.push_back(static_cast<uint8_t>(c));
      parts.insert(parts.end(), plain.begin(), plain.end());
      Write(out / "vault_objects", "pack-parts-" + tag, parts, 3);
      Write(out / "vault_objects", "pack-raw-" + tag, raw, 4);
    }
    Write(out / "object_names", "name-" + tag, Str(o.key));
  }
  return 0;
}
