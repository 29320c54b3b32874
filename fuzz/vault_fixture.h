// fuzz/vault_fixture.h — two vaults in memory, one per format (2, what `init` makes, and 1, still read),
// each made once per fuzz process with a key file secret (no scrypt), so targets can put objects sealed
// with the real keys and read them back through Vault.
#pragma once

#include <memory>

#include "crypto/key_slot.h"
#include "fuzz/memory_store.h"
#include "vault/vault.h"

namespace cv::fuzz {

inline const crypto::KeySecret& FuzzSecret() {
  static const crypto::KeySecret* secret = [] {
    auto* s = new crypto::KeySecret;
    s->kind = crypto::KeySlotKind::kKeyFile;
    s->secret = crypto::SecretBytes(crypto::AsBytes("fuzz key file: thirty-two bytes or more"));
    return s;
  }();
  return *secret;
}

namespace internal {
inline vault::Vault* MakeVault(int format) {
  auto made = vault::Vault::Init(std::make_unique<MemoryStore>(), FuzzSecret(), {}, format);
  if (!made.ok()) __builtin_trap();
  return std::move(made).value().release();
}
}  // namespace internal

// The vault of `format` (1 or 2; anything else is 2) and its store (owned by the vault). Aborts if the vault
// cannot be made: a broken fixture would make every input look uninteresting.
inline vault::Vault& FuzzVault(int format = 2) {
  static vault::Vault* v1 = internal::MakeVault(1);
  static vault::Vault* v2 = internal::MakeVault(2);
  return format == 1 ? *v1 : *v2;
}

inline MemoryStore& FuzzStore(int format = 2) { return static_cast<MemoryStore&>(FuzzVault(format).store()); }

// The format an input's selector byte picks: its top bit set, v1; clear, v2 (what new vaults are).
inline int FormatOf(uint8_t selector) { return (selector & 0x80) != 0 ? 1 : 2; }

}  // namespace cv::fuzz
