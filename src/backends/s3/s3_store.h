// src/backends/s3/s3_store.h — a vault in an S3 bucket (AWS or an S3-compatible server):
// `s3://BUCKET[/PREFIX]`, over the S3 REST API with Signature V4.
//
// Configuration comes from cassvault.yaml's vault.s3 section (S3OptionsFromSettings; docs/config.md
// lists the keys) and credentials from the chain of credentials.h — never a secret in the yaml.
//
// How the ObjectStore contract maps onto S3:
//   Put     PutObject with `If-None-Match: *`: S3 (since 2024) and current S3-compatible servers refuse
//           to overwrite with 412, atomically, so the store itself enforces create-only. Objects larger
//           than multipart_threshold go up by multipart upload, parts in parallel, and the
//           CompleteMultipartUpload carries the If-None-Match; a failed upload is aborted, and after a
//           retried CreateMultipartUpload (whose lost answer may have created an upload) every other
//           in-progress upload of that key is aborted too. See "create-only" below for servers that
//           ignore the header.
//   Get     GetObject with Range, always bounded: a body of another length than asked is Corruption, as
//           the contract says; a whole-object read asks HeadObject for the size first.
//   Stat    HeadObject (size, Last-Modified).
//   List    ListObjectsV2 with prefix, page after page by continuation token (LastModified per key).
//   Delete  HeadObject, then DeleteObject: S3 answers 204 for a missing key too, and the contract wants
//           NotFound. On a bucket that keeps versions (GetBucketVersioning, asked once per store), a
//           DeleteObject would only add a delete marker: ListObjectVersions of the key, then a DeleteObject
//           with each versionId (markers too), newest first. 403 "protected by object lock" is
//           FailedPrecondition naming the retain-until date (GetObjectRetention of that version).
//   Locks   ProbeLocks: GetObjectLockConfiguration + GetBucketVersioning. SetLock: PutObjectRetention on
//           the current version, always with Content-MD5 (one request). GetLock: GetObjectRetention.
// Every request is retried by http/retry.h (transient failures, 408/429/5xx, 409 ConditionalRequestConflict),
// each attempt signed afresh. A create-only write answered 412 on a retry may have been made by our own
// earlier attempt whose response was lost: the object is then read back (HEAD) and the write counts as
// ours if its size (and, for a single PUT, its MD5 ETag) matches.
//
// Create-only (`vault.s3.create_only`):
//   native          trust If-None-Match (AWS, versitygw, MinIO, Ceph >= Reef).
//   check-then-put  HEAD first, PUT only if absent, for servers that ignore the header. Safe for the
//                   content-addressed keys (packs/, index/, manifests/ are named by the SHA-256 of their
//                   bytes: two writers racing on one such key write identical bytes, so whoever wins, the
//                   object is right). For the other keys — config, keys/<slot>, backups/<id> — two writers
//                   racing between HEAD and PUT would both succeed and the last would win; backup ids carry
//                   a random suffix and init and key changes are operator actions, so this needs two
//                   operators racing on one vault, but it is a residual race the native mode does not have.
//   auto (default)  probe once per process, at the first Put: PUT `<prefix>.cassvault-create-only-probe`
//                   with If-None-Match twice; a 412 means the header is enforced (native), a second success
//                   (or 501 NotImplemented) means it is ignored (check-then-put). The probe object is a
//                   few bytes, needs only s3:PutObject, never deletes anything, and List hides it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "backends/s3/credentials.h"
#include "backends/store_settings.h"
#include "http/http_client.h"
#include "storage/object_store.h"

namespace cv::backends {

enum class S3CreateOnly { kAuto, kNative, kCheckThenPut };

struct S3Options {
  std::string region = "us-east-1";
  std::string endpoint;            // empty = AWS; else scheme://host[:port][/path] of an S3-compatible server
  std::optional<bool> path_style;  // unset: s3::DefaultPathStyle (path-style for an endpoint)
  std::string storage_class;       // x-amz-storage-class of every object; empty = the bucket's default
  S3CreateOnly create_only = S3CreateOnly::kAuto;
  s3::CredentialConfig credentials;
  http::ClientOptions http;
  // Objects above this go up by multipart upload. A vault pack is ~8 MiB, so packs are one PutObject
  // (one request, one hash); only unusually large objects are split.
  uint64_t multipart_threshold = 64ull << 20;
  // Part size (S3: 5 MiB to 5 GiB, all but the last part; at most 10,000 parts — larger objects get
  // larger parts). 16 MiB parts keep four in flight within the memory the pipeline already holds.
  uint64_t part_size = 16ull << 20;
  int upload_threads = 4;     // parts of one object in flight at once
  int list_page_size = 1000;  // max-keys of ListObjectsV2 (1000 is S3's ceiling)
  int connections = 8;        // Properties().connections
  int max_attempts = 6;       // per request, first try included (vault.transfer.max_attempts)
};

// Reads vault.s3.* of `settings`: region (default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1),
// endpoint, path_style, storage_class, create_only, access_key_id, secret_access_key_env,
// session_token_env, profile. InvalidArgument names the config file and `vault.s3.<key>`: an unknown key,
// a bad value, or a secret written into the yaml itself.
Result<S3Options> S3OptionsFromSettings(const StoreSettings& settings);

// Parses the URL and creates the client; with `create` (cassvault init), creates the bucket if missing
// (in options.region). Otherwise makes no request: credentials are resolved, and a missing bucket or a
// refused identity is reported, at the first operation.
Result<std::unique_ptr<storage::ObjectStore>> OpenS3Store(const std::string& url, const S3Options& options,
                                                          bool create);

}  // namespace cv::backends
