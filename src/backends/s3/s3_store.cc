#include "backends/s3/s3_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>

#include "backends/s3/s3_client.h"
#include "backends/s3/s3_errors.h"
#include "backends/s3/s3_multipart.h"
#include "backends/s3/s3_xml.h"
#include "crypto/crypto.h"
#include "storage/object_key.h"
#include "storage/read_bounds.h"

namespace cv::backends {
namespace {

using s3::S3Op;
using s3::S3Request;

// Under the vault prefix, but hidden from List: the engine never sees it (s3_store.h, create-only auto).
constexpr std::string_view kProbeKey = ".cassvault-create-only-probe";

using storage::CheckObjectKey;

// A listing page holds at most 1000 keys of at most 1024 bytes, XML-escaped: 32 MiB is ample.
constexpr uint64_t kMaxListBody = uint64_t{32} << 20;

bool ParseUint(std::string_view s, uint64_t* v) {
  if (s.empty() || s.size() > 19) return false;
  *v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    *v = *v * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// Hex MD5, which S3 reports as the ETag of an object written by one unencrypted (or SSE-S3) PutObject.
// Empty where MD5 is unavailable (OpenSSL in FIPS mode).
std::string Md5Hex(std::span<const uint8_t> data) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_md5(), nullptr) != 1) return {};
  return crypto::ToHex({md.data(), len});
}

// Base64 MD5 for Content-MD5; empty where MD5 is unavailable (OpenSSL in FIPS mode).
std::string Md5Base64(std::span<const uint8_t> data) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_md5(), nullptr) != 1) return {};
  return crypto::Base64Encode({md.data(), len});
}

// The most ListObjectVersions pages one Delete reads: the versions of ONE key (a vault never rewrites a
// key, so there is normally one), bounded against a server that never stops saying "there is more".
constexpr int kMaxVersionPages = 100;

// A refusal because of Object Lock (AWS and versitygw: 403 AccessDenied "Access Denied because object
// protected by object lock."), as opposed to an identity without the right.
bool LockRefusal(const http::Response& r) {
  if (r.status != 403) return false;
  s3::ErrorBody e = s3::ParseErrorBody(r.BodyText());
  std::string m = e.message;
  for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e.code == "AccessDenied" && m.find("object lock") != std::string::npos;
}

struct Head {
  uint64_t size = 0;
  int64_t modified = 0;
  std::string etag;  // without quotes
};

class S3Store final : public storage::ObjectStore {
 public:
  S3Store(std::unique_ptr<s3::S3Client> client, S3Options options)
      : client_(std::move(client)), options_(std::move(options)), mode_(options_.create_only) {}

  std::string Describe() const override { return loc().Describe(); }
  storage::StoreProperties Properties() const override {
    return {.connections = options_.connections,
            .native_create_only = mode_.load() != S3CreateOnly::kCheckThenPut};
  }

  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    CV_ASSIGN_OR_RETURN(S3CreateOnly mode, CreateOnlyMode());
    if (mode == S3CreateOnly::kCheckThenPut) {
      auto head = HeadObject(key);
      if (head.ok()) return Status::AlreadyExists(Subject(key), "HeadObject: the object exists");
      if (!head.status().IsNotFound()) return head.status();
    }
    if (data.size() > options_.multipart_threshold) return PutMultipart(key, data);
    return PutSingle(key, data);
  }

  Status Get(std::string_view key, uint64_t offset, uint64_t length, std::vector<uint8_t>* out) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    if (length == 0) {
      // To the end: the size from a HEAD decides how much may come back (object_store.h), so a body
      // that goes on and on is cut at that size instead of at the server's whim.
      auto head = HeadObject(key);
      if (!head.ok()) return GetFailure(key, head.status());
      CV_ASSIGN_OR_RETURN(length, storage::WholeReadLength(Subject(key), head->size, offset));
      if (length == 0) {
        out->clear();
        return Status::OK();
      }
    }
    S3Request req = s3::MakeRequest("GET", Full(key));
    req.headers.push_back(
        {"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)});
    req.max_body = length;  // the client stops reading at length + 1 bytes
    auto sent = client_->Send(req);
    if (!sent.ok()) {
      if (sent.status().code() == StatusCode::kCorruption)
        return storage::WrongLength(Subject(key), length + 1, length);
      return sent.status();
    }
    http::Response& r = *sent;
    if (r.status == 416) {
      // The range starts at or past the end: a range the caller was told exists.
      CV_ASSIGN_OR_RETURN(Head info, HeadObject(key));
      return storage::ShorterThanRange(Subject(key), info.size);
    }
    if (r.status != 200 && r.status != 206) return Fail(S3Op::kGetObject, key, r);
    // A body of another length is what a reader must not trust, whatever the status says.
    if (r.body.size() != length) return storage::WrongLength(Subject(key), r.body.size(), length);
    if (offset > 0 && r.status == 200) {
      // A server that ignored the Range sent the whole object: never hand that out as the range.
      return Status::IOError(Subject(key), "GetObject: the server ignored the Range header (HTTP 200)");
    }
    *out = std::move(r.body);
    return Status::OK();
  }

  // One GetObject without a Range: the client refuses a Content-Length (or a body) past the bound.
  Status GetUpTo(std::string_view key, uint64_t max_bytes, std::string_view what,
                 std::vector<uint8_t>* out) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    S3Request req = s3::MakeRequest("GET", Full(key));
    req.max_body = std::max<uint64_t>(max_bytes, 1);
    auto sent = client_->Send(req);
    if (!sent.ok()) {
      if (sent.status().code() == StatusCode::kCorruption)
        return storage::LargerThan(Subject(key), max_bytes, what);
      return sent.status();
    }
    http::Response& r = *sent;
    if (r.status != 200) return Fail(S3Op::kGetObject, key, r);
    if (r.body.size() > max_bytes) return storage::LargerThan(Subject(key), max_bytes, what);
    *out = std::move(r.body);
    return Status::OK();
  }

  Result<storage::ObjectInfo> Stat(std::string_view key) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    auto h = HeadObject(key);
    // The vault stats an object before reading it: a refusal must still name S3's reason
    // (SignatureDoesNotMatch, AccessDenied, ...), which only a GET's error document carries.
    if (!h.ok()) return h.status().IsNotFound() ? h.status() : GetFailure(key, h.status());
    return storage::ObjectInfo{std::string(key), h->size, h->modified};
  }

  Status List(std::string_view prefix, const std::function<void(const storage::ObjectInfo&)>& fn) override {
    const std::string& base = loc().prefix;
    std::string token;
    std::set<std::string> seen;  // hashes of every continuation token so far: a repeat would loop forever
    uint64_t pages = 0;
    do {
      if (++pages > storage::kMaxListPages) {
        return Status::IOError(Subject(prefix), "ListObjectsV2: the server still says there is more after " +
                                                    std::to_string(storage::kMaxListPages) +
                                                    " pages; stopped (a broken or hostile server)");
      }
      S3Request req = s3::MakeRequest(
          "GET", "", {{"list-type", "2"}, {"max-keys", std::to_string(options_.list_page_size)}});
      if (!base.empty() || !prefix.empty()) req.query.emplace_back("prefix", base + std::string(prefix));
      if (!token.empty()) req.query.emplace_back("continuation-token", token);
      req.max_body = kMaxListBody;
      CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(req));
      if (r.status != 200) return Fail(S3Op::kListObjectsV2, prefix, r);
      auto page = s3::ParseListObjectsV2(r.BodyText());
      if (!page.ok()) return page.status().Annotate(Subject(prefix));
      for (const auto& o : page->objects) {
        if (o.key.size() <= base.size() || o.key.compare(0, base.size(), base) != 0) continue;
        std::string key = o.key.substr(base.size());
        if (key == kProbeKey) continue;
        if (!storage::IsValidObjectKey(key)) {
          storage::WarnSkippedKey(Describe(), key);
          continue;
        }
        fn(storage::ObjectInfo{std::move(key), o.size, o.modified});
      }
      token = page->truncated ? std::move(page->next_token) : std::string();
      if (!token.empty() && !seen.insert(crypto::ToHex(crypto::Sha256(crypto::AsBytes(token)))).second) {
        return Status::IOError(
            Subject(prefix),
            "ListObjectsV2: the server returned a continuation token it had returned before "
            "(after " +
                std::to_string(pages) +
                " pages); stopped instead of listing forever (a broken or hostile server)");
      }
    } while (!token.empty());
    return Status::OK();
  }

  Status Delete(std::string_view key) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    CV_ASSIGN_OR_RETURN(bool versioned, Versioned());
    if (versioned) return DeleteEveryVersion(key);
    CV_RETURN_IF_ERROR(HeadObject(key).status());  // S3 deletes a missing key "successfully"
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(s3::MakeRequest("DELETE", Full(key))));
    if (r.status != 204 && r.status != 200) return Fail(S3Op::kDeleteObject, key, r);
    return Status::OK();
  }

  // GetObjectLockConfiguration and GetBucketVersioning: two requests, no object written.
  Result<storage::LockSupport> ProbeLocks() override {
    storage::LockSupport s;
    CV_ASSIGN_OR_RETURN(http::Response lock,
                        client_->Send(s3::MakeRequest("GET", "", {{"object-lock", ""}})));
    const std::string code = s3::ParseErrorBody(lock.BodyText()).code;
    if (lock.status == 200) {
      s.object_lock = s3::ObjectLockEnabled(lock.BodyText());
    } else if (lock.status != 404 && lock.status != 501 && code != "ObjectLockConfigurationNotFoundError" &&
               code != "NotImplemented") {
      return Fail(S3Op::kGetObjectLockConfiguration, "", lock);
    }
    CV_ASSIGN_OR_RETURN(bool versioned, ProbeVersioning());
    s.versioning = versioned;
    const std::string bucket = "bucket '" + loc().bucket + "'";
    if (s.object_lock) {
      s.detail = "S3 Object Lock is enabled on " + bucket +
                 ": the store itself refuses to delete a locked object version before its retain-until date";
    } else {
      s.detail = bucket + " has no Object Lock: retention locks are enforced by cassvault only (create the " +
                 "bucket with Object Lock enabled for the store to enforce them)";
    }
    if (s.versioning) s.detail += "; versioning is on (a delete removes every version)";
    return s;
  }

  // PutObjectRetention on the current version: one request. Content-MD5 always (S3 requires an integrity
  // header on every request that sets retention, and versitygw refuses the call without one).
  Status SetLock(std::string_view key, const storage::ObjectLock& lock) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    const std::string mode = lock.mode == storage::LockMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE";
    const std::string xml = s3::RetentionXml(mode, storage::FormatUtc(lock.until));
    std::vector<http::Header> h = {{"Content-Type", "application/xml"}};
    if (std::string md5 = Md5Base64(crypto::AsBytes(xml)); !md5.empty()) {
      h.push_back({"Content-MD5", md5});
    } else {  // no MD5 here (FIPS): the SHA-256 checksum S3 accepts instead
      h.push_back({"x-amz-sdk-checksum-algorithm", "SHA256"});
      h.push_back({"x-amz-checksum-sha256", crypto::Base64Encode(crypto::Sha256(crypto::AsBytes(xml)))});
    }
    S3Request req =
        s3::MakeRequest("PUT", Full(key), {{"retention", ""}}, std::move(h), crypto::AsBytes(xml));
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(req));
    if (r.status == 200 || r.status == 204) return Status::OK();
    if (LockRefusal(r)) {
      return Status::FailedPrecondition(
          Subject(key), "PutObjectRetention: HTTP 403: the store refused a " + mode + " lock until " +
                            storage::FormatUtc(lock.until) +
                            ": a lock can only be extended (not shortened, and compliance not turned into "
                            "governance)");
    }
    return Fail(S3Op::kPutObjectRetention, key, r);
  }

  Result<std::optional<storage::ObjectLock>> GetLock(std::string_view key) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    return Retention(key, {});
  }

  // HEAD the bucket; create it if missing. An existing bucket needs no s3:CreateBucket.
  Status CreateBucket() {
    CV_ASSIGN_OR_RETURN(http::Response head, client_->Send(s3::MakeRequest("HEAD")));
    if (head.status == 200) return Status::OK();
    std::string xml = loc().region == "us-east-1" ? std::string() : s3::CreateBucketXml(loc().region);
    S3Request req = s3::MakeRequest("PUT", "", {}, {}, crypto::AsBytes(xml));
    if (!xml.empty()) req.headers.push_back({"Content-Type", "application/xml"});
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(req));
    if (r.status == 200) return Status::OK();
    std::lock_guard<std::mutex> lock(context_mu_);
    Status st = s3::S3Error(S3Op::kCreateBucket, Describe(), Context(), r);
    if (st.IsAlreadyExists() && s3::ParseErrorBody(r.BodyText()).code == "BucketAlreadyOwnedByYou")
      return Status::OK();
    return st;
  }

 private:
  const s3::S3Location& loc() const { return client_->location(); }
  std::string Full(std::string_view key) const { return loc().prefix + std::string(key); }
  std::string Subject(std::string_view key) const { return Describe() + "/" + std::string(key); }
  s3::ErrorContext Context() {  // REQUIRES: context_mu_ held
    credential_source_ = client_->CredentialSource();
    return {.bucket = loc().bucket, .region = loc().region, .credential_source = credential_source_};
  }
  Status Fail(S3Op op, std::string_view key, const http::Response& r) {
    std::lock_guard<std::mutex> lock(context_mu_);
    return s3::S3Error(op, Subject(key), Context(), r);
  }
  // A HEAD that failed says only its status (it has no body, so no S3 error code): a one-byte GET fetches
  // the error document (SignatureDoesNotMatch, NoSuchBucket, ...) so that the message says what is wrong.
  Status GetFailure(std::string_view key, const Status& head_failure) {
    S3Request probe = s3::MakeRequest("GET", Full(key), {}, {{"Range", "bytes=0-0"}});
    probe.max_body = 1;
    auto r = client_->Send(probe);
    if (r.ok() && r->status != 200 && r->status != 206) return Fail(S3Op::kGetObject, key, *r);
    return head_failure;
  }

  // The retention of `key` (one version of it when `version_id` is set): nullopt when it has none.
  Result<std::optional<storage::ObjectLock>> Retention(std::string_view key, const std::string& version_id) {
    s3::QueryParams q = {{"retention", ""}};
    if (!version_id.empty()) q.emplace_back("versionId", version_id);
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(s3::MakeRequest("GET", Full(key), q)));
    if (r.status != 200) {
      const s3::ErrorBody e = s3::ParseErrorBody(r.BodyText());
      // No retention on the object (AWS 404, versitygw 400), or none on the bucket at all.
      if (e.code == "NoSuchObjectLockConfiguration" || e.code == "ObjectLockConfigurationNotFoundError" ||
          (e.code == "InvalidRequest" && e.message.find("Object Lock") != std::string::npos)) {
        return std::optional<storage::ObjectLock>();
      }
      return Fail(S3Op::kGetObjectRetention, key, r);
    }
    auto ret = s3::ParseRetention(r.BodyText());
    if (!ret.ok()) return ret.status().Annotate(Subject(key));
    storage::ObjectLock lock;
    lock.until = ret->until;
    lock.mode = ret->mode == "COMPLIANCE" ? storage::LockMode::kCompliance : storage::LockMode::kGovernance;
    return std::optional<storage::ObjectLock>(lock);
  }

  Result<bool> ProbeVersioning() {
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(s3::MakeRequest("GET", "", {{"versioning", ""}})));
    if (r.status == 501 || s3::ParseErrorBody(r.BodyText()).code == "NotImplemented") return false;
    if (r.status != 200) return Fail(S3Op::kGetBucketVersioning, "", r);
    const std::string status = s3::VersioningStatus(r.BodyText());
    // Suspended still holds the versions written while it was on.
    return status == "Enabled" || status == "Suspended";
  }

  // Whether the bucket keeps versions: asked once per store (GetBucketVersioning), on the first Delete.
  Result<bool> Versioned() {
    int v = versioned_.load();
    if (v >= 0) return v == 1;
    CV_ASSIGN_OR_RETURN(bool versioned, ProbeVersioning());
    versioned_ = versioned ? 1 : 0;
    return versioned;
  }

  // A versioned bucket: a DELETE without a versionId only adds a delete marker (the bytes stay and are
  // billed), so every version and delete marker of the key is deleted by id. Newest first, as listed: locks
  // are set on the current version, so a locked key is refused before anything of it changed.
  Status DeleteEveryVersion(std::string_view key) {
    const std::string full = Full(key);
    std::vector<s3::ListedVersion> versions;
    std::string key_marker, version_marker;
    for (int page = 0;; ++page) {
      if (page >= kMaxVersionPages) {
        return Status::IOError(Subject(key), "ListObjectVersions: more than " +
                                                 std::to_string(kMaxVersionPages) +
                                                 " pages of versions of one key; stopped (a broken server)");
      }
      s3::QueryParams q = {{"versions", ""}, {"prefix", full}};
      if (!key_marker.empty()) q.emplace_back("key-marker", key_marker);
      if (!version_marker.empty()) q.emplace_back("version-id-marker", version_marker);
      S3Request req = s3::MakeRequest("GET", "", q);
      req.max_body = kMaxListBody;
      CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(req));
      if (r.status != 200) return Fail(S3Op::kListObjectVersions, key, r);
      auto parsed = s3::ParseListVersions(r.BodyText());
      if (!parsed.ok()) return parsed.status().Annotate(Subject(key));
      bool past = false;  // listings are in key order: once past `full`, nothing more of it follows
      for (auto& v : parsed->versions) {
        if (v.key == full) {
          versions.push_back(std::move(v));
        } else if (v.key > full) {
          past = true;
        }
      }
      if (!parsed->truncated || past) break;
      if (parsed->next_key_marker == key_marker && parsed->next_version_id_marker == version_marker) {
        return Status::IOError(Subject(key), "ListObjectVersions: the server repeated its markers; stopped");
      }
      key_marker = parsed->next_key_marker;
      version_marker = parsed->next_version_id_marker;
    }
    const bool any_object = std::any_of(versions.begin(), versions.end(),
                                        [](const s3::ListedVersion& v) { return !v.delete_marker; });
    if (versions.empty()) return Status::NotFound(Subject(key), "ListObjectVersions: no version of the key");
    for (auto it = versions.begin(); it != versions.end(); ++it) {
      CV_ASSIGN_OR_RETURN(http::Response r,
                          client_->Send(s3::MakeRequest("DELETE", full, {{"versionId", it->version_id}})));
      if (r.status == 204 || r.status == 200 || r.status == 404) continue;  // 404: gone meanwhile
      if (LockRefusal(r)) {
        auto lock = Retention(key, it->version_id);
        if (lock.ok() && lock->has_value()) return storage::LockedByStore(Subject(key), (*lock)->until);
        return Status::FailedPrecondition(Subject(key),
                                          "locked by the store (S3 Object Lock: a legal hold, or a retention "
                                          "that could not be read); it cannot be deleted now");
      }
      return Fail(S3Op::kDeleteObject, key, r);
    }
    if (!any_object) {
      return Status::NotFound(Subject(key), "ListObjectVersions: only delete markers (removed now)");
    }
    return Status::OK();
  }

  Result<Head> HeadObject(std::string_view key) {
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(s3::MakeRequest("HEAD", Full(key))));
    if (r.status == 404) {
      // HEAD has no body, so S3's code is unknown: a missing key, or a missing bucket.
      return Status::NotFound(Subject(key), "HeadObject: HTTP 404 (no such key, or no such bucket)");
    }
    if (r.status != 200) return Fail(S3Op::kHeadObject, key, r);
    Head h;
    if (!ParseUint(r.Find("Content-Length"), &h.size)) {
      return Status::IOError(Subject(key), "HeadObject: response without a Content-Length");
    }
    h.modified = storage::ParseRfc1123(r.Find("Last-Modified")).value_or(0);
    h.etag = std::string(r.Find("ETag"));
    if (h.etag.size() >= 2 && h.etag.front() == '"' && h.etag.back() == '"')
      h.etag = h.etag.substr(1, h.etag.size() - 2);
    return h;
  }

  // A create-only write answered 412. At once: someone else's object. On a retry: possibly ours, from an
  // attempt whose response was lost — then the object has our size (and our MD5, when the ETag is one).
  Status AlreadyExistsOrOurs(std::string_view key, std::span<const uint8_t> data, int attempts, S3Op op,
                             bool single_put) {
    Status exists =
        Status::AlreadyExists(Subject(key), std::string(s3::S3OpName(op)) + ": HTTP 412 PreconditionFailed");
    if (attempts <= 1) return exists;
    CV_ASSIGN_OR_RETURN(Head h, HeadObject(key));
    if (h.size != data.size()) return exists;
    if (single_put && h.etag.size() == 32 && h.etag.find('-') == std::string::npos) {
      std::string md5 = Md5Hex(data);
      if (!md5.empty() && md5 != h.etag) return exists;
    }
    return Status::OK();
  }

  std::vector<http::Header> ObjectHeaders(bool create_only) const {
    std::vector<http::Header> h = {{"Content-Type", "application/octet-stream"}};
    if (create_only) h.push_back({"If-None-Match", "*"});
    if (!options_.storage_class.empty()) h.push_back({"x-amz-storage-class", options_.storage_class});
    return h;
  }

  Status PutSingle(std::string_view key, std::span<const uint8_t> data) {
    int attempts = 0;
    S3Request req = s3::MakeRequest("PUT", Full(key), {}, ObjectHeaders(true), data);
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(req, &attempts));
    if (r.status == 200) return Status::OK();
    if (r.status == 412) return AlreadyExistsOrOurs(key, data, attempts, S3Op::kPutObject, true);
    return Fail(S3Op::kPutObject, key, r);
  }

  Status PutMultipart(std::string_view key, std::span<const uint8_t> data) {
    S3Request init = s3::MakeRequest("POST", Full(key), {{"uploads", ""}}, ObjectHeaders(false));
    int attempts = 0;
    auto sent = client_->Send(init, &attempts);
    // A CreateMultipartUpload that was retried may have created an upload on an attempt whose answer was
    // lost: that upload's id never reached us, and it would be billed until a lifecycle rule removed it.
    // So after a retry, every other in-progress upload of this very key is aborted. Keys of multipart
    // objects are packs named by the hash of their bytes (with random nonces inside), so another
    // writer's upload of the same key at the same moment is not a case that arises; an upload of this
    // key left by an earlier crashed run is garbage too.
    std::string upload_id;
    if (sent.ok() && sent->status == 200) {
      auto id = s3::ParseUploadId(sent->BodyText());
      if (id.ok()) upload_id = *id;
    }
    if (attempts > 1) AbortOtherUploads(key, upload_id);
    CV_RETURN_IF_ERROR(sent.status());
    if (sent->status != 200) return Fail(S3Op::kCreateMultipartUpload, key, *sent);
    if (upload_id.empty()) return s3::ParseUploadId(sent->BodyText()).status().Annotate(Subject(key));
    Status st = CompleteParts(key, upload_id, data);
    if (!st.ok()) Abort(key, upload_id);  // failed, or a lost race: the parts are not needed
    return st;
  }

  // Best effort, like Abort: ListMultipartUploads for this key, then AbortMultipartUpload of each but
  // `keep` (empty: keep none).
  void AbortOtherUploads(std::string_view key, const std::string& keep) {
    S3Request list = s3::MakeRequest("GET", "", {{"uploads", ""}, {"prefix", Full(key)}});
    auto r = client_->Send(list);
    if (!r.ok() || r->status != 200) return;
    auto ids = s3::ParseUploadsOfKey(r->BodyText(), Full(key));
    if (!ids.ok()) return;
    for (const std::string& id : *ids) {
      if (id != keep) Abort(key, id);
    }
  }

  Status CompleteParts(std::string_view key, const std::string& upload_id, std::span<const uint8_t> data) {
    const uint64_t part_size = s3::PartSizeFor(data.size(), options_.part_size);
    CV_ASSIGN_OR_RETURN(
        std::vector<std::string> etags,
        s3::UploadParts(*client_, Full(key), upload_id, data, part_size, options_.upload_threads,
                        [&](const http::Response& resp) { return Fail(S3Op::kUploadPart, key, resp); }));
    const std::string xml = s3::CompleteMultipartXml(etags);
    int attempts = 0;
    S3Request done =
        s3::MakeRequest("POST", Full(key), {{"uploadId", upload_id}},
                        {{"Content-Type", "application/xml"}, {"If-None-Match", "*"}}, crypto::AsBytes(xml));
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(done, &attempts));
    if (r.status == 200 && !s3::IsErrorDocument(r.BodyText())) return Status::OK();
    if (r.status == 412)
      return AlreadyExistsOrOurs(key, data, attempts, S3Op::kCompleteMultipartUpload, false);
    if (r.status == 404 && attempts > 1) {
      // NoSuchUpload on a retry: an earlier attempt completed the upload and its answer was lost.
      if (AlreadyExistsOrOurs(key, data, attempts, S3Op::kCompleteMultipartUpload, false).ok())
        return Status::OK();
    }
    if (r.status == 200) r.status = 500;  // "200 with an <Error> body": S3 says to retry the request
    return Fail(S3Op::kCompleteMultipartUpload, key, r);
  }

  // Best effort: an upload left behind costs storage until a lifecycle rule removes it, nothing more.
  void Abort(std::string_view key, const std::string& upload_id) {
    (void)client_->Send(s3::MakeRequest("DELETE", Full(key), {{"uploadId", upload_id}}));
  }

  // The resolved create-only mode; in auto mode, probes once (s3_store.h says how).
  Result<S3CreateOnly> CreateOnlyMode() {
    S3CreateOnly mode = mode_.load();
    if (mode != S3CreateOnly::kAuto) return mode;
    std::lock_guard<std::mutex> lock(probe_mu_);
    if (mode_.load() != S3CreateOnly::kAuto) return mode_.load();
    const std::string body = "cassvault create-only probe\n";
    for (int i = 0; i < 2; ++i) {
      S3Request req = s3::MakeRequest("PUT", Full(kProbeKey), {}, ObjectHeaders(true), crypto::AsBytes(body));
      CV_ASSIGN_OR_RETURN(http::Response r, client_->Send(req));
      if (r.status == 412) {
        mode_ = S3CreateOnly::kNative;
        return mode_.load();
      }
      if (r.status == 501 || s3::ParseErrorBody(r.BodyText()).code == "NotImplemented") break;
      if (r.status != 200) return Fail(S3Op::kPutObject, kProbeKey, r);
    }
    mode_ = S3CreateOnly::kCheckThenPut;
    return mode_.load();
  }

  std::unique_ptr<s3::S3Client> client_;
  S3Options options_;
  std::atomic<S3CreateOnly> mode_;
  std::atomic<int> versioned_{-1};  // -1 unknown, 0 no, 1 the bucket keeps versions
  std::mutex probe_mu_;
  std::mutex context_mu_;
  std::string credential_source_;  // guarded by context_mu_ (ErrorContext borrows it)
};

}  // namespace

Result<std::unique_ptr<storage::ObjectStore>> OpenS3Store(const std::string& url, const S3Options& options,
                                                          bool create) {
  std::string_view bucket = std::string_view(url).substr(url.rfind("s3://", 0) == 0 ? 5 : 0);
  bucket = bucket.substr(0, bucket.find('/'));
  const bool path_style = options.path_style.value_or(s3::DefaultPathStyle(bucket, options.endpoint));
  CV_ASSIGN_OR_RETURN(s3::S3Location loc, s3::ParseS3Url(url, options.region, options.endpoint, path_style));
  CV_ASSIGN_OR_RETURN(std::unique_ptr<http::Client> http, http::Client::Create(options.http));
  auto chain = std::make_unique<s3::CredentialChain>(s3::DefaultCredentialSources(options.credentials));
  auto client = std::make_unique<s3::S3Client>(std::move(loc), std::move(chain), std::move(http),
                                               std::max(options.max_attempts, 1));
  auto store = std::make_unique<S3Store>(std::move(client), options);
  if (create) CV_RETURN_IF_ERROR(store->CreateBucket());
  return std::unique_ptr<storage::ObjectStore>(std::move(store));
}

}  // namespace cv::backends
