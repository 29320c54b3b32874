// fuzz/key_slot.cc — a key slot document (keys/<id>), which anyone who can write to the store can add:
// read as the slot listing reads it (InspectKeySlot), as a v1 slot (wrapping a master key) and as a v2 slot
// (wrapping a key bundle bound to a vault id, slot id and role). The secret is a key file, so the slot is
// parsed in full (crypto/key_slot's ParseSlot) but a passphrase slot stops before scrypt: a fuzzed scrypt
// cost would only measure scrypt. The cap on that cost is tested by the unit tests, not here.
#include "crypto/key_slot.h"

#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cv::crypto::KeySecret* secret = [] {
    auto* s = new cv::crypto::KeySecret;
    s->kind = cv::crypto::KeySlotKind::kKeyFile;
    s->secret = cv::crypto::SecretBytes(cv::crypto::AsBytes("fuzz key file: thirty-two bytes or more"));
    return s;
  }();
  auto text = cv::fuzz::Text(cv::fuzz::Bytes(data, size));
  (void)cv::crypto::InspectKeySlot(text);
  (void)cv::crypto::UnwrapMasterKey(text, *secret);
  (void)cv::crypto::UnwrapKeyBundle(text, *secret, "5eed5eed5eed5eed5eed5eed5eed5eed");
  return 0;
}
