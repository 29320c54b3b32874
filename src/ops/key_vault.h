// src/ops/key_vault.h — the Azure Key Vault key configured in `vault.key_vault`, behind the seams the vault
// engine knows (crypto/key_wrapper.h): a KeyWrapper for key slots and a RemoteSigner for guardians.
//
// `vault.key_vault` names the vault (`url`), the key (`key`), the pinned `api_version` (default 7.6), and
// the Entra ID identity; identity keys it does not set are taken from `vault.azure`, so a node that reaches
// its storage with a managed identity reaches Key Vault with the same one. TLS follows `vault.tls`.
//
// Wrapping is done here with the key version's public half (RSA-OAEP-256), so a backup identity needs only
// keys/get; unwrapping always goes to Key Vault with the slot's exact version (keys/unwrapKey).
#pragma once

#include <memory>
#include <string>

#include "backends/azure/azure_auth.h"
#include "backends/azure/keyvault/key_vault_client.h"
#include "crypto/key_wrapper.h"
#include "ops/config.h"

namespace cv::ops {

struct KeyVaultSettings {
  std::string url;          // https://NAME.vault.azure.net
  std::string key;          // key name
  std::string api_version;  // default "7.6"
  backends::azure::AzureAuth auth;
};

// NotFound when `vault.key_vault` is absent; InvalidArgument / Unauthenticated naming
// `vault.key_vault.<key>` for bad or missing settings.
Result<KeyVaultSettings> KeyVaultSettingsFromConfig(
    const Config& config, const backends::azure::EnvLookup& env = backends::azure::ProcessEnv);

Result<std::unique_ptr<backends::azure::keyvault::KeyVaultClient>> OpenKeyVaultClient(const Config& config);

Result<std::unique_ptr<crypto::KeyWrapper>> OpenKeyVaultWrapper(const Config& config);
// A signer for `key_name` in the configured vault (a guardian's key may differ from the wrapping key).
Result<std::unique_ptr<crypto::RemoteSigner>> OpenKeyVaultSigner(const Config& config,
                                                                 const std::string& key_name);

}  // namespace cv::ops
