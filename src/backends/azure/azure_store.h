// src/backends/azure/azure_store.h — a vault in an Azure Blob Storage container:
// `azure://ACCOUNT/CONTAINER/PREFIX`, over the Blob REST API with Shared Key authorization.
//
// Configuration, for now from the environment (registry.cc reads it with AzureOptionsFromEnv):
//   AZURE_STORAGE_KEY         the storage account key, base64 (required). It is a secret: it is never
//                             logged, printed or put in a message.
//   CASSVAULT_AZURE_ENDPOINT  optional blob endpoint for sovereign clouds and emulators, e.g.
//                             https://ACCOUNT.blob.core.usgovcloudapi.net, or for Azurite's path-style
//                             URLs http://127.0.0.1:10000/devstoreaccount1. Default:
//                             https://ACCOUNT.blob.core.windows.net.
//
// How the ObjectStore contract maps onto the service:
//   Put     create-only through `If-None-Match: *` (409 BlobAlreadyExists -> AlreadyExists), the service
//           enforcing it atomically. Small objects are one Put Blob with Content-MD5; larger ones are Put
//           Block (each with Content-MD5) then Put Block List, which carries the `If-None-Match: *` and the
//           whole object's MD5. Blocks of a lost race stay uncommitted; Azure discards them after 7 days.
//   Get     Get Blob with x-ms-range; fewer bytes than asked is Corruption, as the contract says.
//   Stat    Get Blob Properties (HEAD).
//   List    List Blobs with prefix, page after page until NextMarker is empty.
//   Delete  Delete Blob.
// Every request is retried on transient faults (http/retry.h). A create-only write whose first attempt
// succeeded but whose answer was lost comes back "already exists" on the retry: when a write was retried,
// an existing object with the same bytes is our own and the write succeeded.
#pragma once

#include <memory>
#include <string>

#include "http/http_client.h"
#include "http/retry.h"
#include "storage/object_store.h"

namespace cv::backends {

struct AzureOptions {
  std::string endpoint;     // empty = https://ACCOUNT.blob.core.windows.net
  std::string account_key;  // base64, as the portal shows it. Secret.
  http::ClientOptions http;
  http::RetryPolicy retry;
  // Objects up to this size go up in one Put Blob: one request and one MD5-checked body. A vault pack is
  // ~8 MiB, so the default keeps a pack to one request; bigger objects go up in blocks.
  uint64_t single_put_max = 32ull << 20;
  uint64_t block_size = 8ull << 20;  // Put Block size for larger objects (<= 4000 MiB by the API)
  int list_page_size = 5000;         // maxresults of List Blobs (5000 is the service's ceiling)
  int connections = 8;               // Properties().connections: parallel requests worth making
  int parallel_blocks = 4;           // Put Block requests in flight for one large object
};

// AZURE_STORAGE_KEY and CASSVAULT_AZURE_ENDPOINT. Unauthenticated if the key is missing (the message
// names the variable, never a value).
Result<AzureOptions> AzureOptionsFromEnv();

// Parses the URL, checks the key, creates the HTTP client. With `create`, creates the container if it
// does not exist (what `cassvault init` wants); otherwise makes no request: the first operation reports
// a missing container or a rejected key, naming it.
Result<std::unique_ptr<storage::ObjectStore>> OpenAzureStore(const std::string& url,
                                                             const AzureOptions& options, bool create);

}  // namespace cv::backends
