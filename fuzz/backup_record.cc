// fuzz/backup_record.cc — a backup record's JSON, as decrypted from backups/<id> (core/manifest).
#include "core/manifest.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = cv::BackupRecordFromJson(cv::fuzz::Text(cv::fuzz::Bytes(data, size)), "backups/fuzz");
  if (r.ok()) (void)cv::BackupRecordToJson(*r);
  return 0;
}
