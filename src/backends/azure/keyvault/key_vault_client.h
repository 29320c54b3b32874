// src/backends/azure/keyvault/key_vault_client.h — the Azure Key Vault keys REST API, as far as cassvault
// needs it: get a key (latest or one version), list its versions, wrap / unwrap a small secret with an
// explicit version, sign a SHA-256 digest.
//
// Every request carries the pinned `api-version` (Key Vault has no default; ours is configurable). Tokens
// come from the same Entra ID identity chain as the storage; their scope is taken from the 401 bearer
// challenge the vault answers to the first request (sent without a token and without a body, as the SDKs
// do), and a challenge naming a resource that is not this vault's host or a parent domain of it is refused.
// Requests go through http::SendWithRetry (429 with Retry-After, 5xx, transport failures); a token the
// service refuses is dropped and fetched anew once.
//
// Errors name the vault, the key and the version, and for a refusal the permission that is missing; never
// a token, never a wrapped or unwrapped value. Every URL we send a token to is on this vault's origin: a
// `kid` or `nextLink` pointing elsewhere is refused.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "backends/azure/identity/token_cache.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "http/http_client.h"
#include "http/retry.h"

namespace cv::backends::azure::keyvault {

inline constexpr std::string_view kDefaultApiVersion = "7.6";

struct KeyVaultOptions {
  std::string vault_url;  // https://NAME.vault.azure.net (no path; kept lowercased, without :443 or '/')
  std::string api_version = std::string(kDefaultApiVersion);
  http::RetryPolicy retry;
};

// A versioned key id split up: https://NAME.vault.azure.net/keys/KEY/VERSION.
struct KeyId {
  std::string vault_url;  // scheme://host[:port]
  std::string name;
  std::string version;  // empty: none given
};
// InvalidArgument naming the kid when it is not of that shape.
Result<KeyId> ParseKid(std::string_view kid);

struct KeyBundle {
  std::string kid;  // versioned
  std::string kty;  // "RSA", "RSA-HSM", ...
  std::vector<std::string> key_ops;
  crypto::Bytes n, e;  // RSA public key (big-endian)
  bool enabled = true;
  int64_t created = 0, updated = 0;
};

struct KeyVersionInfo {
  std::string kid;
  bool enabled = true;
  int64_t created = 0, updated = 0;
};

struct KeyOperationResult {
  std::string kid;
  crypto::Bytes value;  // the wrapped key or the signature (not secret)
};

// A KeyBundle's JSON (get key, rotate, create) and a versions page, parsed; for the client and its tests.
Result<KeyBundle> ParseKeyBundle(std::string_view json, std::string_view what);
Result<std::vector<KeyVersionInfo>> ParseVersionsPage(std::string_view json, std::string* next_link,
                                                      std::string_view what);

class KeyVaultClient {
 public:
  KeyVaultClient(KeyVaultOptions options, std::unique_ptr<http::Client> http,
                 std::unique_ptr<identity::CachedCredential> credential);

  // GET /keys/NAME[/VERSION] (keys/get).
  Result<KeyBundle> GetKey(std::string_view name, std::string_view version = {});
  // GET /keys/NAME/versions, every page (nextLink followed verbatim; at most 10,000 pages).
  Result<std::vector<KeyVersionInfo>> ListVersions(std::string_view name);
  // POST /keys/NAME/VERSION/wrapkey (keys/wrapKey): the service wraps. Prefer wrapping locally with the
  // public key (rsa_jwk.h), which needs only keys/get.
  Result<KeyOperationResult> WrapKey(std::string_view name, std::string_view version, std::string_view alg,
                                     crypto::ByteView plain);
  // POST /keys/NAME/VERSION/unwrapkey (keys/unwrapKey). `version` must be given.
  Result<crypto::SecretBytes> UnwrapKey(std::string_view name, std::string_view version, std::string_view alg,
                                        crypto::ByteView wrapped);
  // POST /keys/NAME/VERSION/sign (keys/sign) of a digest.
  Result<KeyOperationResult> Sign(std::string_view name, std::string_view version, std::string_view alg,
                                  crypto::ByteView digest);

  const std::string& vault_url() const { return options_.vault_url; }
  const std::string& api_version() const { return options_.api_version; }
  std::string CredentialName() const { return credential_->Name(); }

 private:
  struct Call {
    std::string method;
    std::string url;         // absolute
    std::string body;        // JSON; may hold a wrapped value (not a secret) or a plain one (wrapkey)
    std::string permission;  // "keys/get": for a refusal
    std::string subject;     // "Azure Key Vault https://... key K version V"
  };
  Result<http::Response> Send(const Call& call);
  Result<http::Response> SendOnce(const Call& call, bool with_token, std::string* token_used);
  Status LearnChallenge(const Call& call, const http::Response& r);
  Status MapError(const Call& call, const http::Response& r) const;
  std::string Url(std::string_view path) const;
  std::string Subject(std::string_view name, std::string_view version) const;
  Status CheckName(std::string_view name, std::string_view version) const;

  KeyVaultOptions options_;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<identity::CachedCredential> credential_;
  std::mutex mu_;
  std::string scope_;  // from the challenge; GUARDED_BY(mu_)
};

}  // namespace cv::backends::azure::keyvault
