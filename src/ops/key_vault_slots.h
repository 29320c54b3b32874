// src/ops/key_vault_slots.h — the configured Azure Key Vault key as the key slots see it, and opening a vault
// with it: Key Vault slots first, then the recovery key (key file or passphrase) when Key Vault fails.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "core/result.h"
#include "crypto/key_slot.h"
#include "crypto/key_wrapper.h"
#include "ops/config.h"
#include "storage/object_store.h"
#include "vault/vault.h"

namespace cv::ops {

struct ConfiguredKeyVault {
  std::unique_ptr<crypto::KeyWrapper> wrapper;
  // "https://NAME.vault.azure.net/keys/KEY/": only slots whose kid starts with it are sent to Key Vault, so a
  // slot someone wrote into the store cannot make this process ask another host or key.
  std::string kid_prefix;
};

// The wrapper for vault.key_vault; NotFound when it is not configured, other errors when it is but cannot be
// set up (no credentials, ...): the caller falls back to the recovery key then.
Result<ConfiguredKeyVault> OpenConfiguredKeyVault(const Config& config);
// The kid prefix of a vault URL and key name: lowercase scheme and host, no trailing slash doubled.
std::string KeyVaultKidPrefix(std::string_view vault_url, std::string_view key_name);

// Opens the vault in `store`: format v2 with Key Vault slots of `kv` first; when that fails (unreachable,
// refused, no slot, or `kv` itself is an error), a warning naming why goes to `warn` and the recovery key
// from `recovery_secret` (called only then) is used. When both fail the error names both. A format v1
// vault uses the recovery key alone (it has no Key Vault slots).
Result<std::unique_ptr<vault::Vault>> OpenVaultWithKeyVault(
    std::unique_ptr<storage::ObjectStore> store, const Result<ConfiguredKeyVault>& kv,
    const std::function<Result<crypto::KeySecret>()>& recovery_secret, std::ostream& warn);

}  // namespace cv::ops
