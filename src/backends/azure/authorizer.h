// src/backends/azure/authorizer.h — how a Blob request proves who sends it. BlobClient builds each
// attempt of a request and hands it here just before sending, so that a retry is signed afresh:
//   SharedKeyAuthorizer  `Authorization: SharedKey` over the canonical request (shared_key.h);
//   SasAuthorizer        the SAS token's query parameters appended to the URL (http::RedactUrl keeps
//                        queries out of every message, so the signature never reaches a log);
//   BearerAuthorizer     `Authorization: Bearer <token>` from a cached Entra ID token; after the service
//                        refuses a token, Invalidate() drops it so that the one retry gets a fresh one.
// Each says, for messages about a refused request, what the operator should check — never a value.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/azure/identity/token_cache.h"
#include "backends/azure/shared_key.h"
#include "crypto/crypto.h"
#include "http/http_client.h"

namespace cv::backends::azure {

// One attempt of a request, as far as built: the authorizer adds a header or extends the URL.
struct RequestToSign {
  std::string_view method;
  std::string_view account;
  std::string_view path;     // the URI path as sent (percent-encoded, with an emulator's account segment)
  const QueryParams& query;  // decoded, as in `url`
  uint64_t content_length = 0;
  std::vector<http::Header>& headers;  // x-ms-date and x-ms-version already present
  std::string& url;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Status Authorize(RequestToSign& request) = 0;
  // The service refused the credential of `request`. True when trying again may succeed (a token can
  // be fetched anew; a fixed key or SAS cannot).
  virtual bool Invalidate(const std::vector<http::Header>& sent_headers) { return (void)sent_headers, false; }
  // Completes "check that ...": what to look at when the service refuses this credential.
  virtual std::string CheckHint(std::string_view account) const = 0;
};

class SharedKeyAuthorizer final : public Authorizer {
 public:
  explicit SharedKeyAuthorizer(crypto::SecretBytes key) : key_(std::move(key)) {}
  Status Authorize(RequestToSign& r) override;
  std::string CheckHint(std::string_view account) const override;

 private:
  crypto::SecretBytes key_;
};

class SasAuthorizer final : public Authorizer {
 public:
  // `token` as the portal or az prints it ("sv=...&sig=..."; a leading '?' is dropped); `source`
  // names where it came from ("AZURE_STORAGE_SAS_TOKEN") for messages.
  SasAuthorizer(std::string token, std::string source);
  Status Authorize(RequestToSign& r) override;
  std::string CheckHint(std::string_view account) const override;

 private:
  std::string token_;  // Secret.
  std::string source_;
};

class BearerAuthorizer final : public Authorizer {
 public:
  explicit BearerAuthorizer(std::unique_ptr<identity::CachedCredential> credential,
                            std::string scope = std::string(identity::kStorageScope))
      : credential_(std::move(credential)), scope_(std::move(scope)) {}
  Status Authorize(RequestToSign& r) override;
  bool Invalidate(const std::vector<http::Header>& sent_headers) override;
  std::string CheckHint(std::string_view account) const override;

 private:
  std::unique_ptr<identity::CachedCredential> credential_;
  std::string scope_;
  std::atomic<size_t> noted_{0};  // std::hash of the last token whose claims were noted (audit attribution)
};

// The object id, app id and tenant in an Entra access token's payload, noted for the audit trail
// (http/request_ids.h). Attribution only: the service verifies the token, this reads it. A token that is not
// a JWT notes nothing.
void NoteTokenClaims(std::string_view token);

}  // namespace cv::backends::azure
