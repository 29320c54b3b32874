// fuzz/manifest_json.cc — a node manifest's JSON, as decrypted from manifests/<id> (core/manifest).
#include "core/manifest.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = cv::ManifestFromJson(cv::fuzz::Text(cv::fuzz::Bytes(data, size)), "manifests/fuzz");
  if (m.ok()) (void)cv::ManifestToJson(*m);
  return 0;
}
