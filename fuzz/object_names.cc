// fuzz/object_names.cc — names as a store listing returns them (anyone who can write to the store picks
// them) and as a data directory holds them: vault object keys (core/vault_layout), SSTable component
// file names (cassandra/sstable_name), and the percent- and XML-decoding listings go through. Every kind in
// the kind table is tried (v2 adds content-keys/ and refs/); a name that parses must build back to itself.
#include "backends/wire/uri_encode.h"
#include "backends/wire/xml_scan.h"
#include "cassandra/sstable_name.h"
#include "core/vault_layout.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view name = cv::fuzz::Text(cv::fuzz::Bytes(data, size));
  (void)cv::layout::ParsePackKey(name);
  (void)cv::layout::ParseIndexKey(name);
  if (auto id = cv::layout::ParseBackupKey(name)) (void)cv::layout::BackupKey(*id);
  (void)cv::layout::IsValidBackupId(name);
  (void)cv::layout::IsValidVaultId(name);
  (void)cv::layout::ParseConfigSealKey(name);
  if (auto slot = cv::layout::ParseKeySlotKey(name)) {
    if (cv::layout::KeySlotKey(*slot) != name) __builtin_trap();
  }
  for (const auto& kind : cv::layout::kObjectKinds) {
    (void)cv::layout::IsNameOf(kind.kind, name);
    if (auto id = cv::layout::ParseContentKey(kind.kind, name)) {
      if (cv::layout::ContentKey(kind.kind, *id) != name) __builtin_trap();
    }
  }
  if (auto id = cv::IdFromHex(name)) {
    if (cv::IdToHex(*id) != name) __builtin_trap();  // hex ids are canonical: lowercase only
  }
  if (auto sst = cv::cassandra::SSTableName::Parse(name)) (void)sst->Descriptor();
  (void)cv::cassandra::IsTransientFile(name);
  (void)cv::backends::wire::PercentDecode(name);
  (void)cv::backends::wire::XmlUnescape(name);
  (void)cv::backends::wire::FindXmlElement(name, "Name");
  return 0;
}
