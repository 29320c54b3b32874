#include "ops/key_vault_slots.h"

#include <cctype>

#include "ops/key_vault.h"
#include "vault/key_slots.h"

namespace cv::ops {

Result<ConfiguredKeyVault> OpenConfiguredKeyVault(const Config& config) {
  CV_ASSIGN_OR_RETURN(KeyVaultSettings s, KeyVaultSettingsFromConfig(config));  // NotFound: not configured
  Result<std::unique_ptr<crypto::KeyWrapper>> w = OpenKeyVaultWrapper(config);
  if (!w.ok()) {
    // Configured but not usable: never mistaken for "not configured" (which skips Key Vault silently).
    if (w.status().IsNotFound()) return Status::InvalidArgument("vault.key_vault", w.status().message());
    return w.status();
  }
  return ConfiguredKeyVault{std::move(*w), KeyVaultKidPrefix(s.url, s.key)};
}

std::string KeyVaultKidPrefix(std::string_view vault_url, std::string_view key_name) {
  std::string url(vault_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  // Scheme and host are case-insensitive and :443 is https's own port: one spelling, as the Key Vault
  // client keeps it and Key Vault writes kids.
  for (char& c : url) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (url.size() > 4 && url.ends_with(":443") && url.starts_with("https://")) url.resize(url.size() - 4);
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
