#include "backends/azure/azure_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "backends/azure/blob_client.h"
#include "backends/azure/blob_errors.h"
#include "backends/azure/blob_xml.h"
#include "backends/azure/shared_key.h"
#include "storage/object_key.h"
#include "storage/read_bounds.h"

namespace cv::backends {
namespace {

using azure::BlobError;
using azure::BlobOp;
using azure::QueryParams;

// Appends `name: base64(MD5(data))`, which the service checks against the body it received (400
// Md5Mismatch). Where MD5 is unavailable (an OpenSSL in FIPS mode) the header is left out: the vault's
// AEAD tags still catch damage when the object is read.
void AddMd5(std::vector<http::Header>* headers, std::string_view name, std::span<const uint8_t> data) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_md5(), nullptr) != 1) return;
  headers->push_back({std::string(name), crypto::Base64Encode({md.data(), len})});
}

std::span<const uint8_t> AsSpan(const std::string& s) { return crypto::AsBytes(s); }

using storage::CheckObjectKey;

// ProbeLocks' blob: under the vault prefix, but hidden from List (never a vault object).
constexpr std::string_view kLockProbePrefix = ".cassvault-lock-probe-";

// A List Blobs page holds at most 5000 entries with their properties (about 1 KiB each): 32 MiB is ample.
constexpr uint64_t kMaxListBody = uint64_t{32} << 20;

bool ParseUint(std::string_view s, uint64_t* v) {
  if (s.empty()) return false;
  *v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    *v = *v * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

class AzureStore final : public storage::ObjectStore {
 public:
  AzureStore(std::unique_ptr<azure::BlobClient> client, AzureOptions options)
      : client_(std::move(client)), options_(std::move(options)) {}

  std::string Describe() const override { return loc().Describe(); }
  storage::StoreProperties Properties() const override {
    return {.connections = options_.connections, .native_create_only = true};
  }

  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    if (data.size() <= options_.single_put_max) return PutBlob(key, data);
    return PutBlocks(key, data);
  }

  Status Get(std::string_view key, uint64_t offset, uint64_t length, std::vector<uint8_t>* out) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    if (length == 0) {
      // To the end: the size from Get Blob Properties decides how much may come back (object_store.h).
      CV_ASSIGN_OR_RETURN(storage::ObjectInfo info, Stat(key));
      CV_ASSIGN_OR_RETURN(length, storage::WholeReadLength(Subject(key), info.size, offset));
      if (length == 0) {
        out->clear();
        return Status::OK();
      }
    }
    std::vector<http::Header> headers = {
        {"x-ms-range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
    // The client stops reading at length + 1 bytes.
    auto sent = client_->Send("GET", Blob(key), {}, std::move(headers), {}, nullptr, length);
    if (!sent.ok()) {
      if (sent.status().code() == StatusCode::kCorruption)
        return storage::WrongLength(Subject(key), length + 1, length);
      return sent.status();
    }
    http::Response& r = *sent;
    if (r.status == 416) {
      // The range starts at or past the end: a range the caller was told exists.
      CV_ASSIGN_OR_RETURN(storage::ObjectInfo info, Stat(key));
      return storage::ShorterThanRange(Subject(key), info.size);
    }
    if (r.status != 200 && r.status != 206) return Fail(BlobOp::kGetBlob, key, r);
    // A body of another length is what a reader must not trust, whatever the status says.
    if (r.body.size() != length) return storage::WrongLength(Subject(key), r.body.size(), length);
    if (offset > 0 && r.status == 200) {
      // A server that ignored the range sent the whole blob: never hand that out as the range.
      return Status::IOError(Subject(key), "Get Blob: the server ignored the x-ms-range header (HTTP 200)");
    }
    *out = std::move(r.body);
    return Status::OK();
  }

  // One Get Blob without a range: the client refuses a Content-Length (or a body) past the bound.
  Status GetUpTo(std::string_view key, uint64_t max_bytes, std::string_view what,
                 std::vector<uint8_t>* out) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    auto sent = client_->Send("GET", Blob(key), {}, {}, {}, nullptr, std::max<uint64_t>(max_bytes, 1));
    if (!sent.ok()) {
      if (sent.status().code() == StatusCode::kCorruption)
        return storage::LargerThan(Subject(key), max_bytes, what);
      return sent.status();
    }
    http::Response& r = *sent;
    if (r.status != 200) return Fail(BlobOp::kGetBlob, key, r);
    if (r.body.size() > max_bytes) return storage::LargerThan(Subject(key), max_bytes, what);
    *out = std::move(r.body);
    return Status::OK();
  }

  Result<storage::ObjectInfo> Stat(std::string_view key) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("HEAD", Blob(key), {}, {}));
    if (r.status != 200) return Fail(BlobOp::kGetProperties, key, r);
    uint64_t size = 0;
    if (!ParseUint(r.Find("Content-Length"), &size)) {
      return Status::IOError(Subject(key), "Get Blob Properties: response without a Content-Length");
    }
    return storage::ObjectInfo{std::string(key), size,
                               storage::ParseRfc1123(r.Find("Last-Modified")).value_or(0)};
  }

  Status List(std::string_view prefix, const std::function<void(const storage::ObjectInfo&)>& fn) override {
    const std::string& base = loc().prefix;
    std::string marker;
    std::set<std::string> seen;  // hashes of every marker so far: a repeat would loop forever
    uint64_t pages = 0;
    do {
      if (++pages > storage::kMaxListPages) {
        return Status::IOError(Subject(prefix), "List Blobs: the server still says there is more after " +
                                                    std::to_string(storage::kMaxListPages) +
                                                    " pages; stopped (a broken or hostile server)");
      }
      QueryParams q = {{"restype", "container"}, {"comp", "list"}};
      if (!base.empty() || !prefix.empty()) q.emplace_back("prefix", base + std::string(prefix));
      if (!marker.empty()) q.emplace_back("marker", marker);
      q.emplace_back("maxresults", std::to_string(options_.list_page_size));
      CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("GET", "", q, {}, {}, nullptr, kMaxListBody));
      if (r.status != 200) return Fail(BlobOp::kListBlobs, prefix, r);
      auto page = azure::ParseListBlobs(r.BodyText());
      if (!page.ok()) return page.status().Annotate(Subject(prefix));
      for (const auto& b : page->blobs) {
        if (b.name.size() <= base.size() || b.name.compare(0, base.size(), base) != 0) continue;
        std::string key = b.name.substr(base.size());
        if (key.rfind(kLockProbePrefix, 0) == 0) continue;  // ProbeLocks' blob, should a crash leave it
        if (!storage::IsValidObjectKey(key)) {
          storage::WarnSkippedKey(Describe(), key);
          continue;
        }
        fn(storage::ObjectInfo{std::move(key), b.size, b.modified});
      }
      marker = std::move(page->next_marker);
      if (!marker.empty() && !seen.insert(crypto::ToHex(crypto::Sha256(crypto::AsBytes(marker)))).second) {
        return Status::IOError(Subject(prefix),
                               "List Blobs: the server returned a NextMarker it had returned "
                               "before (after " +
                                   std::to_string(pages) +
                                   " pages); stopped instead of listing forever (a broken "
                                   "or hostile server)");
      }
    } while (!marker.empty());
    return Status::OK();
  }

  Status Delete(std::string_view key) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    if (versioned_.load() != 0) {
      // Versioned, or not known yet: the versions of the key decide (one List Blobs include=versions).
      CV_ASSIGN_OR_RETURN(std::optional<std::vector<azure::ListedBlob>> versions, VersionsOf(Blob(key)));
      if (versions.has_value()) return DeleteEveryVersion(key, Blob(key), *versions);
    }
    return DeleteBase(key);
  }

  // Put Blob of a probe, Set Blob Immutability Policy (1 day, Unlocked) on it, Get Blob Properties to read
  // it back, then Delete Blob Immutability Policy and the probe with every version: what `init` and
  // `doctor` ask, never a backup. A service that refuses or ignores the policy (Azurite: 501) has none.
  Result<storage::LockSupport> ProbeLocks() override {
    std::array<uint8_t, 8> rnd{};
    CV_RETURN_IF_ERROR(crypto::RandomBytes(rnd));
    const std::string probe = loc().prefix + std::string(kLockProbePrefix) + crypto::ToHex(rnd);
    const std::string body = "cassvault lock probe\n";
    std::vector<http::Header> h = {{"x-ms-blob-type", "BlockBlob"}, {"If-None-Match", "*"}};
    CV_ASSIGN_OR_RETURN(http::Response put, client_->Send("PUT", probe, {}, std::move(h), AsSpan(body)));
    if (put.status != 201) return Fail(BlobOp::kPutBlob, ProbeName(probe), put);
    storage::LockSupport s;
    s.versioning = !put.Find("x-ms-version-id").empty();
    versioned_ = s.versioning ? 1 : 0;
    const int64_t until = Now() + 86400;
    CV_ASSIGN_OR_RETURN(http::Response set, client_->Send("PUT", probe, {{"comp", "immutabilityPolicies"}},
                                                          PolicyHeaders(until, "Unlocked")));
    std::string why;
    if (set.status == 200) {
      auto lock = LockOf(probe, {});
      s.object_lock = lock.ok() && lock->has_value() && (*lock)->until == until;
      if (!s.object_lock) why = "the service accepted an immutability policy but did not report it back";
      (void)client_->Send("DELETE", probe, {{"comp", "immutabilityPolicies"}}, {});
    } else {
      std::string code(set.Find("x-ms-error-code"));
      why = "Set Blob Immutability Policy answered HTTP " + std::to_string(set.status) +
            (code.empty() ? std::string() : " " + code);
    }
    // The probe goes, every version of it (its policy was removed: Unlocked policies may be deleted).
    auto versions = VersionsOf(probe);
    if (versions.ok() && versions->has_value()) {
      (void)DeleteEveryVersion(ProbeName(probe), probe, **versions);
    } else {
      (void)client_->Send("DELETE", probe, {}, {{"x-ms-delete-snapshots", "include"}});
    }
    const std::string where = "container '" + loc().container + "'";
    if (s.object_lock) {
      s.detail = "Azure version-level immutability works on " + where +
                 ": the store itself refuses to delete a locked blob version before its until-date";
    } else {
      s.detail = where + " has no version-level immutability (" + why +
                 "): retention locks are enforced by cassvault only";
    }
    s.detail += s.versioning ? "; blob versioning is on (a delete removes every version)"
                             : "; blob versioning is off";
    return s;
  }

  // Set Blob Immutability Policy on the current version: one request for a Locked (compliance) lock, whose
  // extend-only rule the service enforces; Get Blob Properties first for an Unlocked (governance) one,
  // whose date the service would let anyone with the right move down.
  Status SetLock(std::string_view key, const storage::ObjectLock& lock) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    const bool locked = lock.mode == storage::LockMode::kCompliance;
    if (!locked) {
      CV_ASSIGN_OR_RETURN(std::optional<storage::ObjectLock> now, LockOf(Blob(key), {}));
      if (now.has_value() && (now->until > lock.until || now->mode == storage::LockMode::kCompliance)) {
        return Status::FailedPrecondition(
            Subject(key), "already locked by the store until " + storage::FormatUtc(now->until) + " (" +
                              std::string(storage::LockModeName(now->mode)) +
                              "): a lock can only be extended (not shortened, and compliance not turned into "
                              "governance)");
      }
    }
    CV_ASSIGN_OR_RETURN(http::Response r,
                        client_->Send("PUT", Blob(key), {{"comp", "immutabilityPolicies"}},
                                      PolicyHeaders(lock.until, locked ? "Locked" : "Unlocked")));
    if (r.status == 200) return Status::OK();
    if (r.status == 409) {
      std::string code(r.Find("x-ms-error-code"));
      return Status::FailedPrecondition(
          Subject(key), "Set Blob Immutability Policy: HTTP 409 " + code + ": the store refused a " +
                            (locked ? "Locked" : "Unlocked") + " policy until " +
                            storage::FormatUtc(lock.until) + ": a Locked policy can only be extended");
    }
    return Fail(BlobOp::kSetImmutabilityPolicy, key, r);
  }

  Result<std::optional<storage::ObjectLock>> GetLock(std::string_view key) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    return LockOf(Blob(key), {});
  }

 private:
  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::string ProbeName(const std::string& blob) const { return blob.substr(loc().prefix.size()); }

  static std::vector<http::Header> PolicyHeaders(int64_t until, std::string_view mode) {
    return {{"x-ms-immutability-policy-until-date", azure::Rfc1123Date(until)},
            {"x-ms-immutability-policy-mode", std::string(mode)}};
  }

  // The immutability policy of `blob` (one version of it when `version_id` is set), from Get Blob
  // Properties: nullopt when it has none.
  Result<std::optional<storage::ObjectLock>> LockOf(const std::string& blob, const std::string& version_id) {
    QueryParams q;
    if (!version_id.empty()) q.emplace_back("versionid", version_id);
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("HEAD", blob, q, {}));
    if (r.status != 200) return Fail(BlobOp::kGetProperties, ProbeName(blob), r);
    std::string_view until = r.Find("x-ms-immutability-policy-until-date");
    if (until.empty()) return std::optional<storage::ObjectLock>();
    auto t = storage::ParseRfc1123(until);
    if (!t) {
      return Status::IOError(Subject(ProbeName(blob)),
                             "Get Blob Properties: an unreadable x-ms-immutability-policy-until-date");
    }
    std::string mode(r.Find("x-ms-immutability-policy-mode"));
    for (char& c : mode) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    storage::ObjectLock lock;
    lock.until = *t;
    lock.mode = mode == "locked" ? storage::LockMode::kCompliance : storage::LockMode::kGovernance;
    return std::optional<storage::ObjectLock>(lock);
  }

  // Every version of exactly `blob` (List Blobs include=versions, prefix = the name); nullopt when the
  // listing carries no versions (an account without versioning, or Azurite), which is then remembered.
  // NotFound when nothing of that name is listed.
  Result<std::optional<std::vector<azure::ListedBlob>>> VersionsOf(const std::string& blob) {
    std::vector<azure::ListedBlob> out;
    std::string marker;
    bool past = false;
    for (int page = 0; !past; ++page) {
      if (page >= 100) {
        return Status::IOError(Subject(ProbeName(blob)),
                               "List Blobs: more than 100 pages of versions of one blob; stopped");
      }
      QueryParams q = {{"restype", "container"}, {"comp", "list"}, {"include", "versions"}, {"prefix", blob}};
      if (!marker.empty()) q.emplace_back("marker", marker);
      CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("GET", "", q, {}, {}, nullptr, kMaxListBody));
      if (r.status != 200) return Fail(BlobOp::kListBlobs, ProbeName(blob), r);
      auto parsed = azure::ParseListBlobs(r.BodyText());
      if (!parsed.ok()) return parsed.status().Annotate(Subject(ProbeName(blob)));
      for (auto& b : parsed->blobs) {
        if (b.name == blob) {
          out.push_back(std::move(b));
        } else if (b.name > blob) {
          past = true;
        }
      }
      if (parsed->next_marker.empty() || parsed->next_marker == marker) break;
      marker = std::move(parsed->next_marker);
    }
    if (out.empty()) return Status::NotFound(Subject(ProbeName(blob)), "List Blobs: no such blob");
    if (out.front().version_id.empty()) {
      versioned_ = 0;
      return std::optional<std::vector<azure::ListedBlob>>();
    }
    versioned_ = 1;
    return std::optional<std::vector<azure::ListedBlob>>(std::move(out));
  }

  // With versioning a Delete Blob only turns the current version into a previous one (the bytes stay and
  // are billed), so each version then goes by its id, newest first. The base blob first: locks are set on
  // the current version, so a locked blob is refused (409 BlobImmutableDueToPolicy) before anything of it
  // changed.
  Status DeleteEveryVersion(std::string_view key, const std::string& blob,
                            const std::vector<azure::ListedBlob>& versions) {
    std::vector<const azure::ListedBlob*> order;
    bool current = false;
    for (const auto& v : versions) {
      current = current || v.current;
      order.push_back(&v);
    }
    if (current) {
      CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("DELETE", blob, {}, {}));
      if (r.status != 202 && r.status != 200 && r.status != 404) return DeleteFailure(key, blob, {}, r);
    }
    // Version ids are RFC 3339 timestamps with 7 fractional digits: their order is their age.
    std::sort(order.begin(), order.end(), [](const azure::ListedBlob* a, const azure::ListedBlob* b) {
      return a->version_id > b->version_id;
    });
    for (const azure::ListedBlob* v : order) CV_RETURN_IF_ERROR(DeleteVersion(key, blob, v->version_id));
    return Status::OK();
  }

  Status DeleteVersion(std::string_view key, const std::string& blob, const std::string& version_id) {
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("DELETE", blob, {{"versionid", version_id}}, {}));
    if (r.status == 202 || r.status == 200 || r.status == 404) return Status::OK();  // 404: gone meanwhile
    return DeleteFailure(key, blob, version_id, r);
  }

  Status DeleteFailure(std::string_view key, const std::string& blob, const std::string& version_id,
                       const http::Response& r) {
    std::string_view code = r.Find("x-ms-error-code");
    if (r.status == 409 && code == "BlobImmutableDueToPolicy") {
      auto lock = LockOf(blob, version_id);
      if (lock.ok() && lock->has_value()) return storage::LockedByStore(Subject(key), (*lock)->until);
      return Status::FailedPrecondition(Subject(key), "locked by the store (409 BlobImmutableDueToPolicy)");
    }
    if (r.status == 409 && code == "BlobImmutableDueToLegalHold") {
      return Status::FailedPrecondition(
          Subject(key), "locked by the store: a legal hold (409 BlobImmutableDueToLegalHold)");
    }
    return Fail(BlobOp::kDeleteBlob, key, r);
  }

  // The delete of an account without versioning: one Delete Blob (as before versions were known).
  Status DeleteBase(std::string_view key) {
    int attempts = 0;
    CV_ASSIGN_OR_RETURN(
        http::Response r,
        client_->Send("DELETE", Blob(key), {}, {{"x-ms-delete-snapshots", "include"}}, {}, &attempts));
    // A 404 on a retry: our first attempt deleted it and its answer was lost.
    if (r.status == 404 && attempts > 1) return Status::OK();
    if (r.status != 202 && r.status != 200) return Fail(BlobOp::kDeleteBlob, key, r);
    return Status::OK();
  }

 public:
  // Creates the container only when it is missing. Whether it exists is asked with a one-entry List
  // Blobs, which a container-scoped SAS (sp=...l) or a Blob Data role may do, whereas Create Container
  // needs an account-level right that such identities lack: a 403 for creating a container that is
  // already there must not stop `init`. 404 ContainerNotFound: create it. Any other refusal of the list
  // (an identity without list rights): try the create, and report its answer.
  Status CreateContainer() {
    QueryParams q = {{"restype", "container"}, {"comp", "list"}, {"maxresults", "1"}};
    if (!loc().prefix.empty()) q.emplace_back("prefix", loc().prefix);
    CV_ASSIGN_OR_RETURN(http::Response list, client_->Send("GET", "", q, {}, {}, nullptr, kMaxListBody));
    if (list.status == 200) return Status::OK();
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("PUT", "", {{"restype", "container"}}, {}));
    if (r.status == 201) return Status::OK();
    Status st = BlobError(BlobOp::kCreateContainer, Describe(), loc().account, loc().container, r,
                          client_->CheckHint());
    return st.IsAlreadyExists() ? Status::OK() : st;
  }

 private:
  const azure::AzureLocation& loc() const { return client_->location(); }
  std::string Blob(std::string_view key) const { return loc().prefix + std::string(key); }
  std::string Subject(std::string_view key) const { return Describe() + "/" + std::string(key); }
  Status Fail(BlobOp op, std::string_view key, const http::Response& r) const {
    return BlobError(op, Subject(key), loc().account, loc().container, r, client_->CheckHint());
  }
  // The create-only answer: 409 BlobAlreadyExists, or 412 from servers that phrase it as a failed
  // precondition. Either way the existing object is untouched.
  Status CreateOnlyResult(BlobOp op, std::string_view key, const http::Response& r) const {
    if (r.status == 201) return Status::OK();
    if (r.status == 412)
      return Status::AlreadyExists(Subject(key), std::string(azure::BlobOpName(op)) + ": HTTP 412");
    return Fail(op, key, r);
  }

  // After a retried create-only write: "already exists" may be our own first attempt, whose answer was
  // lost. It is, if the stored bytes are ours (the names of most vault objects are hashes of their bytes,
  // so this only costs a read on a path that faults already made slow).
  Status CreateOnlyAfterRetry(BlobOp op, std::string_view key, const http::Response& r, int attempts,
                              std::span<const uint8_t> data) {
    Status st = CreateOnlyResult(op, key, r);
    if (!st.IsAlreadyExists() || attempts <= 1) return st;
    std::vector<uint8_t> stored;
    if (Get(key, 0, 0, &stored).ok() && stored.size() == data.size() &&
        std::equal(stored.begin(), stored.end(), data.begin())) {
      return Status::OK();
    }
    return st;
  }

  Status PutBlob(std::string_view key, std::span<const uint8_t> data) {
    std::vector<http::Header> h = {{"x-ms-blob-type", "BlockBlob"},
                                   {"If-None-Match", "*"},
                                   {"Content-Type", "application/octet-stream"}};
    AddTier(&h, key);
    AddMd5(&h, "Content-MD5", data);
    int attempts = 0;
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("PUT", Blob(key), {}, std::move(h), data, &attempts));
    NoteVersioning(r);
    return CreateOnlyAfterRetry(BlobOp::kPutBlob, key, r, attempts, data);
  }

  // Blocks in parallel (options_.parallel_blocks in flight), then one create-only commit. Block ids:
  // 8-byte big-endian index + 8 random bytes (24 base64 characters): the same length for every block, as
  // the API requires, and unique per attempt so that two racing writers of one key never commit each
  // other's blocks.
  Status PutBlocks(std::string_view key, std::span<const uint8_t> data) {
    std::array<uint8_t, 16> raw{};
    CV_RETURN_IF_ERROR(crypto::RandomBytes(std::span<uint8_t>(raw).subspan(8)));
    std::vector<std::string> ids;
    const uint64_t block = std::max<uint64_t>(options_.block_size, 1);
    for (uint64_t off = 0, index = 0; off < data.size(); off += block, ++index) {
      for (int i = 0; i < 8; ++i) raw[static_cast<size_t>(i)] = static_cast<uint8_t>(index >> (56 - 8 * i));
      ids.push_back(crypto::Base64Encode(raw));
    }
    std::atomic<size_t> next{0};
    std::mutex mu;
    Status first_error;  // guarded by mu
    auto worker = [&] {
      for (size_t i = next++; i < ids.size(); i = next++) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!first_error.ok()) return;
        }
        auto chunk = data.subspan(i * block, std::min<uint64_t>(block, data.size() - i * block));
        std::vector<http::Header> bh;
        AddMd5(&bh, "Content-MD5", chunk);
        auto r =
            client_->Send("PUT", Blob(key), {{"comp", "block"}, {"blockid", ids[i]}}, std::move(bh), chunk);
        Status st =
            !r.ok() ? r.status() : (r->status == 201 ? Status::OK() : Fail(BlobOp::kPutBlock, key, *r));
        if (!st.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = st;
          return;
        }
      }
    };
    size_t n_threads =
        std::min<size_t>(static_cast<size_t>(std::max(options_.parallel_blocks, 1)), ids.size());
    std::vector<std::thread> threads;
    for (size_t t = 1; t < n_threads; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
    CV_RETURN_IF_ERROR(first_error);
    std::string xml = azure::BlockListXml(ids);
    std::vector<http::Header> h = {{"If-None-Match", "*"},
                                   {"Content-Type", "application/xml"},
                                   {"x-ms-blob-content-type", "application/octet-stream"}};
    AddTier(&h, key);
    AddMd5(&h, "Content-MD5", AsSpan(xml));
    // Stored as the whole blob's MD5: for a block blob the service cannot compute one itself.
    AddMd5(&h, "x-ms-blob-content-md5", data);
    int attempts = 0;
    CV_ASSIGN_OR_RETURN(http::Response r, client_->Send("PUT", Blob(key), {{"comp", "blocklist"}},
                                                        std::move(h), AsSpan(xml), &attempts));
    NoteVersioning(r);
    return CreateOnlyAfterRetry(BlobOp::kPutBlockList, key, r, attempts, data);
  }

  // A write's answer says whether the account keeps versions (x-ms-version-id): no request of its own.
  void NoteVersioning(const http::Response& r) {
    if (r.status == 201) versioned_ = r.Find("x-ms-version-id").empty() ? 0 : 1;
  }

  void AddTier(std::vector<http::Header>* h, std::string_view key) const {
    const std::string& tier = key.rfind("packs/", 0) == 0 ? options_.pack_tier : options_.metadata_tier;
    if (!tier.empty()) h->push_back({"x-ms-access-tier", tier});
  }

  std::unique_ptr<azure::BlobClient> client_;
  AzureOptions options_;
  std::atomic<int> versioned_{-1};  // -1 unknown, 0 no, 1 the account keeps blob versions
};

}  // namespace

Result<AzureOptions> AzureOptionsFromSettings(const StoreSettings& settings, const azure::EnvLookup& env) {
  AzureOptions o;
  CV_ASSIGN_OR_RETURN(o.auth, azure::AzureAuthFromSettings(settings.azure, settings.config_path, env));
  if (auto it = settings.azure.find("endpoint"); it != settings.azure.end() && !it->second.empty()) {
    o.endpoint = it->second;
  } else {
    o.endpoint = env("CASSVAULT_AZURE_ENDPOINT");  // the variable from before vault.azure.endpoint
  }
  for (auto [key, tier] : {std::pair<const char*, std::string*>{"pack_access_tier", &o.pack_tier},
                           std::pair<const char*, std::string*>{"metadata_access_tier", &o.metadata_tier}}) {
    auto it = settings.azure.find(key);
    if (it == settings.azure.end() || it->second.empty()) continue;
    if (it->second != "Hot" && it->second != "Cool" && it->second != "Cold") {
      return Status::InvalidArgument(
          (settings.config_path.empty() ? std::string("config") : settings.config_path) +
              ": key 'vault.azure." + key + "'",
          "'" + it->second +
              "' is not a tier for a vault: use Hot, Cool or Cold (Archive would make every restore "
              "wait hours for rehydration)");
    }
    *tier = it->second;
  }
  o.http.ca_file = settings.ca_file;
  o.http.insecure = settings.insecure_tls;
  o.http.max_bandwidth = settings.max_bandwidth;
  o.http.stall_timeout = std::chrono::seconds(settings.stall_timeout_s);
  if (settings.max_connections > 0) o.connections = settings.max_connections;
  o.retry.max_attempts = settings.max_attempts;
  return o;
}

Result<std::unique_ptr<storage::ObjectStore>> OpenAzureStore(const std::string& url,
                                                             const AzureOptions& options, bool create) {
  CV_ASSIGN_OR_RETURN(azure::AzureLocation loc, azure::ParseAzureUrl(url, options.endpoint));
  const bool https = loc.endpoint.rfind("https://", 0) == 0;
  CV_ASSIGN_OR_RETURN(
      std::unique_ptr<azure::Authorizer> auth,
      azure::MakeAuthorizer(options.auth, options.http, https, http::IsLoopbackUrl(loc.endpoint)));
  CV_ASSIGN_OR_RETURN(std::unique_ptr<http::Client> http, http::Client::Create(options.http));
  auto client =
      std::make_unique<azure::BlobClient>(std::move(loc), std::move(auth), std::move(http), options.retry);
  auto store = std::make_unique<AzureStore>(std::move(client), options);
  if (create) CV_RETURN_IF_ERROR(store->CreateContainer());
  return std::unique_ptr<storage::ObjectStore>(std::move(store));
}

}  // namespace cv::backends
