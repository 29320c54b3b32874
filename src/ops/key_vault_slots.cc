#include "ops/key_vault_slots.h"

#include <cctype>

#include "vault/key_slots.h"

namespace cv::ops {

Result<ConfiguredKeyVault> OpenConfiguredKeyVault(const Config& config) {
  (void)config;
  // Until the Key Vault client is linked in, no vault.key_vault section exists to configure.
  return Status::NotFound("vault.key_vault", "is not configured");
}

std::string KeyVaultKidPrefix(std::string_view vault_url, std::string_view key_name) {
  std::string url(vault_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  // Scheme and host are case-insensitive; Key Vault answers kids with a lowercase host.
  for (char& c : url) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return url + "/keys/" + std::string(key_name) + "/";
}

Result<std::unique_ptr<vault::Vault>> OpenVaultWithKeyVault(
    std::unique_ptr<storage::ObjectStore> store, const Result<ConfiguredKeyVault>& kv,
    const std::function<Result<crypto::KeySecret>()>& recovery_secret, std::ostream& warn) {
  vault::Vault::Unlocker unlock;
  unlock.v1_secret = recovery_secret;
  unlock.v2 = [&](storage::ObjectStore& s, const std::string& vault_id,
                  std::vector<vault::VaultProblem>* problems,
                  std::string* slot_id) -> Result<crypto::KeyBundle> {
    Status kv_failure = kv.ok() ? Status::OK() : kv.status().Annotate("Azure Key Vault");
    if (kv.ok()) {
      auto bundle =
          vault::UnlockKeyBundleWithKeyVault(s, *kv->wrapper, kv->kid_prefix, vault_id, problems, slot_id);
      if (bundle.ok()) return bundle;
      kv_failure = bundle.status();
    }
    // Said before the recovery key is read: reading it may prompt for a passphrase.
    warn << "cassvault: warning: Azure Key Vault did not open the vault (" << kv_failure.ToString()
         << "); using the recovery key (vault.key_file or the passphrase) instead\n";
    Result<crypto::KeySecret> secret = recovery_secret();
    if (!secret.ok()) {
      return Status(kv_failure.code(), "vault " + s.Describe(),
                    "Azure Key Vault did not open it (" + kv_failure.ToString() +
                        ") and no recovery key is available (" + secret.status().ToString() + ")");
    }
    auto bundle = vault::UnlockKeyBundle(s, *secret, vault_id, problems, slot_id);
    if (bundle.ok()) return bundle;
    return Status(bundle.status().code(), "vault " + s.Describe(),
                  "neither Azure Key Vault (" + kv_failure.ToString() + ") nor the recovery key (" +
                      bundle.status().ToString() + ") opens it");
  };
  return vault::Vault::Open(std::move(store), unlock);
}

}  // namespace cv::ops
