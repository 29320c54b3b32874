// fuzz/vault_fixture.h — one vault in memory, made once per fuzz process with a key file secret (no
// scrypt), so targets can put objects sealed with the real keys and read them back through Vault.
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

// The vault and its store (owned by the vault). Aborts if the vault cannot be made: a broken fixture
// would make every input look uninteresting.
inline vault::Vault& FuzzVault() {
  static vault::Vault* v = [] {
    auto made = vault::Vault::Init(std::make_unique<MemoryStore>(), FuzzSecret());
    if (!made.ok()) __builtin_trap();
    return std::move(made).value().release();
  }();
  return *v;
}

inline MemoryStore& FuzzStore() { return static_cast<MemoryStore&>(FuzzVault().store()); }

}  // namespace cv::fuzz
