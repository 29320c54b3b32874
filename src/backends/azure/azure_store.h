// src/backends/azure/azure_store.h — a vault in an Azure Blob Storage container:
// `azure://ACCOUNT/CONTAINER/PREFIX`, over the Blob REST API with Shared Key authorization.
//
// Identity: Shared Key, a SAS token or an Entra ID token (client secret, certificate, workload
// identity, managed identity, Azure CLI, or the default chain), chosen by `vault.azure.auth` — see
// azure_auth.h and docs/config.md. The endpoint: `vault.azure.endpoint`, else CASSVAULT_AZURE_ENDPOINT,
// else https://ACCOUNT.blob.core.windows.net (sovereign clouds and emulators set one; Azurite's URLs are
// path-style: https://127.0.0.1:10000/devstoreaccount1).
//
// How the ObjectStore contract maps onto the service:
//   Put     create-only through `If-None-Match: *` (409 BlobAlreadyExists -> AlreadyExists), the service
//           enforcing it atomically. Small objects are one Put Blob with Content-MD5; larger ones are Put
//           Block (each with Content-MD5) then Put Block List, which carries the `If-None-Match: *` and the
//           whole object's MD5. Blocks of a lost race stay uncommitted; Azure discards them after 7 days.
//   Get     Get Blob with x-ms-range; fewer bytes than asked is Corruption, as the contract says.
//   Stat    Get Blob Properties (HEAD; size, Last-Modified).
//   List    List Blobs with prefix, page after page until NextMarker is empty (Last-Modified per blob).
//   Delete  Delete Blob. With blob versioning (a write's x-ms-version-id, or a List Blobs include=versions
//           of the key when nothing was written yet), Delete Blob only makes the current version a previous
//           one: then the base blob, and each version by ?versionid=, newest first. 409
//           BlobImmutableDueToPolicy is FailedPrecondition naming the policy's until-date.
//   Locks   ProbeLocks: a probe blob with a 1-day Unlocked policy, read back, then removed (init, doctor).
//           SetLock: Set Blob Immutability Policy (Locked for compliance: one request, the service keeps
//           it extend-only; Unlocked for governance: Get Blob Properties first, since the service would let
//           an Unlocked date move down). GetLock: the x-ms-immutability-policy-* headers of Get Blob
//           Properties.
// Every request is retried on transient faults (http/retry.h). A create-only write whose first attempt
// succeeded but whose answer was lost comes back "already exists" on the retry: when a write was retried,
// an existing object with the same bytes is our own and the write succeeded.
#pragma once

#include <memory>
#include <string>

#include "backends/azure/azure_auth.h"
#include "backends/store_settings.h"
#include "http/http_client.h"
#include "http/retry.h"
#include "storage/object_store.h"

namespace cv::backends {

struct AzureOptions {
  std::string endpoint;  // empty = https://ACCOUNT.blob.core.windows.net
  azure::AzureAuth auth;
  http::ClientOptions http;
  http::RetryPolicy retry;
  // Objects up to this size go up in one Put Blob: one request and one MD5-checked body. A vault pack is
  // ~8 MiB, so the default keeps a pack to one request; bigger objects go up in blocks.
  uint64_t single_put_max = 32ull << 20;
  uint64_t block_size = 8ull << 20;  // Put Block size for larger objects (<= 4000 MiB by the API)
  int list_page_size = 5000;         // maxresults of List Blobs (5000 is the service's ceiling)
  int connections = 8;               // Properties().connections: parallel requests worth making
  int parallel_blocks = 4;           // Put Block requests in flight for one large object
  // Access tier per object class (x-ms-access-tier on upload; empty = the account's default). Packs are
  // the bulk and are read only to restore, so Cool or Cold saves most; metadata (index, manifests,
  // records, key slots) is read by every command and belongs in Hot. Archive is refused: a restore would
  // first wait hours for rehydration.
  std::string pack_tier, metadata_tier;
};

// vault.azure.* (`settings.azure`, validated — including pack_access_tier and metadata_access_tier:
// Hot, Cool or Cold: errors name the key and settings.config_path), the
// environment variables they point to, and vault.tls / vault.transfer. Unauthenticated when the chosen
// identity lacks a variable (the message names it, never a value).
Result<AzureOptions> AzureOptionsFromSettings(const StoreSettings& settings,
                                              const azure::EnvLookup& env = azure::ProcessEnv);

// Parses the URL, builds the identity's Authorizer, creates the HTTP client. With `create`, creates the
// container if it does not exist (what `cassvault init` wants), asking first with a one-entry List Blobs
// so that an identity scoped to an existing container (a service SAS with sp=racwl) needs no right to
// create containers; otherwise makes no request: the first operation reports a missing container or a
// rejected key, naming it. A SAS is refused for a plain http endpoint unless it is a loopback address.
Result<std::unique_ptr<storage::ObjectStore>> OpenAzureStore(const std::string& url,
                                                             const AzureOptions& options, bool create);

}  // namespace cv::backends
