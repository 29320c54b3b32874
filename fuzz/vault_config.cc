// fuzz/vault_config.cc — the `config` object, the first thing every command reads from the store, via
// Vault::Open over an in-memory store that also holds one good key-file slot.
#include <string>

#include "core/vault_layout.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/vault_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The key slots of the fixture vault, copied into each fresh store.
  static const auto* slots = [] {
    auto* out = new std::vector<std::pair<std::string, std::vector<uint8_t>>>;
    auto& store = cv::fuzz::FuzzStore();
    (void)store.List(cv::layout::kKeysPrefix, [&](const cv::storage::ObjectInfo& o) {
      std::vector<uint8_t> doc;
      if (store.Get(o.key, 0, 0, &doc).ok()) out->emplace_back(o.key, std::move(doc));
    });
    if (out->empty()) __builtin_trap();
    return out;
  }();
  auto store = std::make_unique<cv::fuzz::MemoryStore>();
  for (const auto& [k, v] : *slots) (void)store->Put(k, v);
  (void)store->Put(cv::layout::kConfig, cv::fuzz::Bytes(data, size));
  (void)cv::vault::Vault::Open(std::move(store), cv::fuzz::FuzzSecret());
  return 0;
}
