// fuzz/vault_config.cc — the `config` object, the first thing every command reads from the store, via
// Vault::Open over an in-memory store holding the key slots (and v1's sealed config copies) of a fixture
// vault. Each input is opened against both fixtures (format v1 and v2, vault_fixture.h): v1's config is a
// JSON object checked against its sealed copies; v2's is a JSON line and a base64 Ed25519 signature line.
// A config naming another vault id stops at the key slots, so the sentinel id below is replaced by the
// fixture's own id first (the seeds use it): the fuzzer then reaches the slot unlock and the v1 seal
// check or the v2 signature check (a signature it cannot forge, so v2 stops there, as an attacker does).
#include <string>

#include "core/vault_layout.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/vault_fixture.h"

namespace {

constexpr std::string_view kSentinelId = "5eed5eed5eed5eed5eed5eed5eed5eed";

using Objects = std::vector<std::pair<std::string, std::vector<uint8_t>>>;

// The key slots and sealed config copies of the fixture vault of `format`, copied into each fresh store.
const Objects& FixtureObjects(int format) {
  auto copy = [](int f) {
    auto* out = new Objects;
    auto& store = cv::fuzz::FuzzStore(f);
    for (auto prefix : {cv::layout::kKeysPrefix, cv::layout::kConfigSealPrefix}) {
      (void)store.List(prefix, [&](const cv::storage::ObjectInfo& o) {
        std::vector<uint8_t> doc;
        if (store.Get(o.key, 0, 0, &doc).ok()) out->emplace_back(o.key, std::move(doc));
      });
    }
    if (out->empty()) __builtin_trap();
    return out;
  };
  static const Objects* v1 = copy(1);
  static const Objects* v2 = copy(2);
  return format == 1 ? *v1 : *v2;
}

void OpenWith(int format, std::span<const uint8_t> config) {
  std::string text(cv::fuzz::Text(config));
  const std::string& id = cv::fuzz::FuzzVault(format).vault_id();
  for (size_t at = text.find(kSentinelId); at != std::string::npos;
       at = text.find(kSentinelId, at + id.size()))
    text.replace(at, kSentinelId.size(), id);
  auto store = std::make_unique<cv::fuzz::MemoryStore>();
  for (const auto& [k, v] : FixtureObjects(format)) (void)store->Put(k, v);
  (void)store->Put(cv::layout::kConfig, cv::crypto::AsBytes(text));
  (void)cv::vault::Vault::Open(std::move(store), cv::fuzz::FuzzSecret());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  OpenWith(1, in);
  OpenWith(2, in);
  return 0;
}
