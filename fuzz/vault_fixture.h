// fuzz/vault_fixture.h — two vaults in memory, one per format (2, what `init` makes, and 1, still read),
// each made once per fuzz process with a key file secret (no scrypt), so targets can put objects sealed
// with the real keys and read them back through Vault.
#pragma once

#include <memory>
#include <vector>

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
inline vault::Vault*& Slot(int format) {
  static vault::Vault* v1 = MakeVault(1);
  static vault::Vault* v2 = MakeVault(2);
  return format == 1 ? v1 : v2;
}
}  // namespace internal

// The vault of `format` (1 or 2; anything else is 2) and its store (owned by the vault). Aborts if the vault
// cannot be made: a broken fixture would make every input look uninteresting.
inline vault::Vault& FuzzVault(int format = 2) { return *internal::Slot(format); }

inline MemoryStore& FuzzStore(int format = 2) { return static_cast<MemoryStore&>(FuzzVault(format).store()); }

// Replaces the vault of `format` by one opened (Vault::Open) over a copy of its store. A vault keeps every
// problem it met for the life of the process (what verify reports), so a long run that adds a junk object
// per input would grow it without bound; targets renew the vault every few thousand inputs. References to
// the old vault or store are invalid after this.
inline void RenewFuzzVault(int format) {
  vault::Vault*& slot = internal::Slot(format);
  auto& old_store = static_cast<MemoryStore&>(slot->store());
  auto copy = std::make_unique<MemoryStore>();
  std::vector<storage::ObjectInfo> objects;
  (void)old_store.List("", [&](const storage::ObjectInfo& o) { objects.push_back(o); });
  for (const auto& o : objects) {
    std::vector<uint8_t> bytes;
    if (!old_store.Get(o.key, 0, 0, &bytes).ok() || !copy->Put(o.key, bytes).ok()) __builtin_trap();
  }
  auto opened = vault::Vault::Open(std::move(copy), FuzzSecret());
  if (!opened.ok()) __builtin_trap();
  delete slot;
  slot = std::move(opened).value().release();
}

// The format an input's selector byte picks: its top bit set, v1; clear, v2 (what new vaults are).
inline int FormatOf(uint8_t selector) { return (selector & 0x80) != 0 ? 1 : 2; }

}  // namespace cv::fuzz
