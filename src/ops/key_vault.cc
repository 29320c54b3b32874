#include "ops/key_vault.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

#include "backends/azure/keyvault/rsa_jwk.h"

namespace cv::ops {
namespace {

namespace kv = backends::azure::keyvault;

// Sorted. The identity keys are vault.azure's own names, and default to its values.
constexpr auto kKnownKeys = std::to_array<std::string_view>(
    {"api_version", "auth", "authority_host", "certificate_file", "client_id", "client_secret_env", "key",
     "managed_identity_client_id", "managed_identity_object_id", "managed_identity_resource_id", "tenant_id",
     "url"});
static_assert(std::ranges::is_sorted(kKnownKeys));
constexpr std::string_view kOwnKeys[] = {"api_version", "key", "url"};

bool IsOwnKey(std::string_view k) { return std::ranges::find(kOwnKeys, k) != std::end(kOwnKeys); }

Status KeyError(const std::string& config, const std::string& key, const std::string& problem) {
  return Status::InvalidArgument(
      (config.empty() ? std::string("config") : config) + ": key 'vault.key_vault." + key + "'", problem);
}

bool AllOf(std::string_view s, bool (*ok)(char)) { return !s.empty() && std::ranges::all_of(s, ok); }

Result<std::string> CheckUrl(const std::string& url, const std::string& config) {
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (u.rfind("https://", 0) != 0) {
    return KeyError(config, "url",
                    "'" + url +
                        "' is not an https:// URL; Key Vault takes bearer tokens, which are only sent over "
                        "TLS (e.g. https://NAME.vault.azure.net)");
  }
  std::string_view host = std::string_view(u).substr(8);
  if (host.empty() || host.find_first_of("/?#@ ") != std::string_view::npos) {
    return KeyError(config, "url",
                    "'" + url + "' must be the vault's base URL only, e.g. https://NAME.vault.azure.net");
  }
  return u;
}

// Names a key-vault-scoped variant of an identity error: AzureAuthFromSettings speaks of vault.azure.
Status Rename(const Status& st, bool own_identity) {
  if (!own_identity) return st.Annotate("Key Vault identity (taken from vault.azure)");
  std::string m = st.message();
  for (size_t at = m.find("vault.azure."); at != std::string::npos; at = m.find("vault.azure.", at)) {
    m.replace(at, 12, "vault.key_vault.");
    at += 16;
  }
  return Status(st.code(), m);
}

// The versioned kid of `key`'s newest enabled version: the latest, or when that one is disabled, the most
// recently created enabled one (keys/list).
Result<std::string> NewestEnabledKid(kv::KeyVaultClient& client, const std::string& key) {
  CV_ASSIGN_OR_RETURN(kv::KeyBundle latest, client.GetKey(key));
  if (latest.enabled) return latest.kid;
  CV_ASSIGN_OR_RETURN(auto versions, client.ListVersions(key));
  const kv::KeyVersionInfo* best = nullptr;
  for (const auto& v : versions) {
    if (v.enabled && (!best || v.created > best->created)) best = &v;
  }
  if (!best) {
    return Status::FailedPrecondition("Azure Key Vault " + client.vault_url() + " key " + key,
                                      "no version of the key is enabled; enable one in Key Vault");
  }
  return best->kid;
}

class KeyVaultWrapper final : public crypto::KeyWrapper {
 public:
  KeyVaultWrapper(std::unique_ptr<kv::KeyVaultClient> client, std::string key)
      : client_(std::move(client)), key_(std::move(key)) {}

  std::string Name() const override { return "Azure Key Vault " + client_->vault_url() + " key " + key_; }

  Result<std::string> CurrentKid() override { return NewestEnabledKid(*client_, key_); }

  Result<crypto::WrappedKey> Wrap(std::string_view kid, crypto::ByteView plain) override {
    CV_ASSIGN_OR_RETURN(kv::KeyId id, CheckKid(kid));
    CV_ASSIGN_OR_RETURN(kv::KeyBundle b, client_->GetKey(id.name, id.version));
    std::string subject = "Azure Key Vault key " + std::string(kid);
    if (!b.enabled) {
      return Status::PermissionDenied(subject,
                                      "this key version is disabled in Key Vault; wrap with an enabled one");
    }
    if (b.kty != "RSA" && b.kty != "RSA-HSM") {
      return Status::FailedPrecondition(subject,
                                        "a '" + b.kty + "' key; RSA-OAEP-256 needs an RSA or RSA-HSM key");
    }
    if (!b.key_ops.empty() && std::ranges::find(b.key_ops, "wrapKey") == b.key_ops.end()) {
      return Status::FailedPrecondition(subject, "the key does not allow wrapKey (key_ops)");
    }
    CV_ASSIGN_OR_RETURN(kv::Pkey pub, kv::RsaPublicKeyFromJwk(b.n, b.e, subject));
    CV_ASSIGN_OR_RETURN(crypto::Bytes wrapped, kv::RsaOaep256Encrypt(pub.get(), plain));
    return crypto::WrappedKey{b.kid, "RSA-OAEP-256", std::move(wrapped)};
  }

  Result<crypto::SecretBytes> Unwrap(const crypto::WrappedKey& w) override {
    if (w.alg != "RSA-OAEP-256") {
      return Status::NotSupported("Azure Key Vault key " + w.kid,
                                  "algorithm '" + w.alg + "'; only RSA-OAEP-256");
    }
    CV_ASSIGN_OR_RETURN(kv::KeyId id, CheckKid(w.kid));
    return client_->UnwrapKey(id.name, id.version, w.alg, w.wrapped);
  }

 private:
  // A versioned kid of the configured vault: a slot naming another host would have us send it a token.
  Result<kv::KeyId> CheckKid(std::string_view kid) {
    CV_ASSIGN_OR_RETURN(kv::KeyId id, kv::ParseKid(kid));
    if (id.version.empty()) {
      return Status::InvalidArgument("Azure Key Vault key " + std::string(kid), "names no version");
    }
    if (id.vault_url != client_->vault_url()) {
      return Status::PermissionDenied(
          "Azure Key Vault key " + std::string(kid),
          "is in another vault than the configured " + client_->vault_url() + " (vault.key_vault.url)");
    }
    return id;
  }

  std::unique_ptr<kv::KeyVaultClient> client_;
  std::string key_;
};

class KeyVaultSigner final : public crypto::RemoteSigner {
 public:
  KeyVaultSigner(std::unique_ptr<kv::KeyVaultClient> client, std::string key)
      : client_(std::move(client)), key_(std::move(key)) {}

  std::string Name() const override { return "Azure Key Vault " + client_->vault_url() + " key " + key_; }

  Result<crypto::RemoteSignature> SignDigest(const crypto::Hash32& digest) override {
    CV_ASSIGN_OR_RETURN(std::string kid, NewestEnabledKid(*client_, key_));
    CV_ASSIGN_OR_RETURN(kv::KeyId id, kv::ParseKid(kid));
    CV_ASSIGN_OR_RETURN(kv::KeyBundle b, client_->GetKey(key_, id.version));
    CV_ASSIGN_OR_RETURN(kv::KeyOperationResult r, client_->Sign(key_, id.version, "PS256", digest));
    // Checked here, so that an approval never records a signature that will not verify later.
    CV_ASSIGN_OR_RETURN(kv::Pkey pub, kv::RsaPublicKeyFromJwk(b.n, b.e, Name()));
    if (!kv::VerifyPs256(pub.get(), digest, r.value)) {
      return Status::Corruption(Name(), "Key Vault returned a signature that does not verify with the key");
    }
    return crypto::RemoteSignature{b.kid, "PS256", std::move(r.value)};
  }

  Result<crypto::Bytes> PublicKeyDer(std::string_view kid) override {
    CV_ASSIGN_OR_RETURN(kv::KeyId id, kv::ParseKid(kid));
    if (id.vault_url != client_->vault_url()) {
      return Status::PermissionDenied("Azure Key Vault key " + std::string(kid),
                                      "is in another vault than the configured " + client_->vault_url());
    }
    CV_ASSIGN_OR_RETURN(kv::KeyBundle b, client_->GetKey(id.name, id.version));
    CV_ASSIGN_OR_RETURN(kv::Pkey pub,
                        kv::RsaPublicKeyFromJwk(b.n, b.e, "Azure Key Vault key " + std::string(kid)));
    return kv::PublicKeyDer(pub.get());
  }

 private:
  std::unique_ptr<kv::KeyVaultClient> client_;
  std::string key_;
};

}  // namespace

Result<KeyVaultSettings> KeyVaultSettingsFromConfig(const Config& config,
                                                    const backends::azure::EnvLookup& env) {
  const auto& section = config.store.key_vault;
  const std::string& path = config.path;
  if (section.empty()) {
    return Status::NotFound("Azure Key Vault", "vault.key_vault is not configured in " +
                                                   (path.empty() ? std::string("the config") : path));
  }
  bool own_identity = false;
  for (const auto& [key, value] : section) {
    if (!std::ranges::binary_search(kKnownKeys, std::string_view(key))) {
      std::string list;
      for (std::string_view k : kKnownKeys) list += (list.empty() ? "" : ", ") + std::string(k);
      return KeyError(path, key, "unknown key (known: " + list + ")");
    }
    if (!IsOwnKey(key)) own_identity = true;
  }
  auto get = [&](const char* k) {
    auto it = section.find(k);
    return it == section.end() ? std::string() : it->second;
  };
  KeyVaultSettings s;
  if (get("url").empty())
    return KeyError(path, "url", "missing; the vault's URL, e.g. https://NAME.vault.azure.net");
  CV_ASSIGN_OR_RETURN(s.url, CheckUrl(get("url"), path));
  s.key = get("key");
  if (s.key.empty())
    return KeyError(path, "key", "missing; the name of the RSA key that wraps the vault's keys");
  if (s.key.size() > 127 || !AllOf(s.key, [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
      })) {
    return KeyError(path, "key",
                    "'" + s.key + "' is not a Key Vault key name (1-127 letters, digits and dashes)");
  }
  s.api_version = get("api_version");
  if (s.api_version.empty()) s.api_version = std::string(kv::kDefaultApiVersion);
  if (s.api_version.size() > 40 || !AllOf(s.api_version, [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.' || c == '-';
      })) {
    return KeyError(path, "api_version",
                    "'" + s.api_version + "' is not an api-version such as 7.6 or 2025-07-01");
  }

  // The identity: vault.azure's keys, overridden by vault.key_vault's own.
  std::map<std::string, std::string> identity;
  for (const auto& [key, value] : config.store.azure) {
    if (std::ranges::binary_search(kKnownKeys, std::string_view(key)) && !IsOwnKey(key))
      identity[key] = value;
  }
  for (const auto& [key, value] : section) {
    if (!IsOwnKey(key)) identity[key] = value;
  }
  const std::string auth = identity.count("auth") ? identity["auth"] : "";
  if (auth == "shared-key" || auth == "sas") {
    return KeyError(
        path, "auth",
        "'" + auth + "'" + (section.count("auth") ? "" : " (from vault.azure.auth)") +
            " is a storage credential; Key Vault takes Entra ID tokens only: set vault.key_vault.auth "
            "to client-secret, client-certificate, workload-identity, managed-identity, azure-cli or "
            "default");
  }
  // Left unset, the storage's choice from the environment (an account key) means nothing to Key Vault: the
  // default chain of Entra ID identities it is.
  if (auth.empty()) identity["auth"] = "default";
  auto a = backends::azure::AzureAuthFromSettings(identity, path, env);
  if (!a.ok()) return Rename(a.status(), own_identity);
  s.auth = std::move(a).value();
  return s;
}

Result<std::unique_ptr<kv::KeyVaultClient>> OpenKeyVaultClient(const Config& config) {
  CV_ASSIGN_OR_RETURN(KeyVaultSettings s, KeyVaultSettingsFromConfig(config));
  http::ClientOptions o;
  o.ca_file = config.store.ca_file;
  o.insecure = config.store.insecure_tls;
  o.connect_timeout = std::chrono::seconds(10);
  o.stall_timeout = std::chrono::seconds(30);
  o.total_timeout = std::chrono::seconds(60);
  o.max_idle_handles = 2;
  CV_ASSIGN_OR_RETURN(auto http, http::Client::Create(o));
  CV_ASSIGN_OR_RETURN(auto credential, backends::azure::MakeTokenCredential(s.auth, o));
  kv::KeyVaultOptions options;
  options.vault_url = s.url;
  options.api_version = s.api_version;
  options.retry.max_attempts = config.store.max_attempts;
  return std::make_unique<kv::KeyVaultClient>(
      std::move(options), std::move(http),
      std::make_unique<backends::azure::identity::CachedCredential>(std::move(credential)));
}

Result<std::unique_ptr<crypto::KeyWrapper>> OpenKeyVaultWrapper(const Config& config) {
  CV_ASSIGN_OR_RETURN(KeyVaultSettings s, KeyVaultSettingsFromConfig(config));
  CV_ASSIGN_OR_RETURN(auto client, OpenKeyVaultClient(config));
  return std::unique_ptr<crypto::KeyWrapper>(std::make_unique<KeyVaultWrapper>(std::move(client), s.key));
}

Result<std::unique_ptr<crypto::RemoteSigner>> OpenKeyVaultSigner(const Config& config,
                                                                 const std::string& key_name) {
  CV_ASSIGN_OR_RETURN(auto client, OpenKeyVaultClient(config));
  return std::unique_ptr<crypto::RemoteSigner>(std::make_unique<KeyVaultSigner>(std::move(client), key_name));
}

}  // namespace cv::ops
