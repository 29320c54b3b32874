// src/storage/object_store.h — the one seam between the vault engine and where bytes live.
//
// The contract every backend keeps (kopia's, at restic's size): keys are `/`-separated relative names
// (docs/vault-format.md says which); Put is atomic and create-only — an existing key yields
// AlreadyExists and is left untouched; a Put that returns OK is durable and immediately visible to Get,
// Stat and List; List yields each key once. There is no rename and no append, because blob stores lack
// them. Backends see only ciphertext. Implementations are safe for concurrent use.
//
// Sizes that come from the store are bounded (the store may be hostile: a key-less writer, a broken or
// malicious S3-compatible server, a MITM on http://). A ranged read returns exactly the bytes asked for
// or an error; a whole-object read is capped at kMaxWholeObjectRead; nothing is allocated on the
// server's word alone. Listings skip names that cannot be vault objects (storage/object_key.h) and stop
// with an error on a pagination that repeats itself or runs past kMaxListPages.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "storage/utc_time.h"

namespace cv::storage {

// The largest object a whole-object read (Get with length 0) accepts: 1 GiB. The engine's own objects are
// far smaller (packs ~8 MiB, indexes and manifests well below this); the engine may ask for less by
// passing an exact length it knows from a listing or a Stat.
inline constexpr uint64_t kMaxWholeObjectRead = uint64_t{1} << 30;
// The most pages one List call fetches before it gives up: 100,000 pages, i.e. 100 million keys at S3's
// 1000 per page (500 million at Azure's 5000), far beyond any vault, yet a bound on a server that never
// stops answering "there is more".
inline constexpr uint64_t kMaxListPages = 100'000;

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  // When the store last wrote the object (unix seconds; 0: unknown). List and Stat fill it from what the
  // listing or the stat already carries (S3 LastModified, Azure Last-Modified, a file's mtime): never an
  // extra request. Prune's grace rule reads it: an object newer than the grace is never deleted.
  int64_t modified = 0;
};

// Retention enforced by the store itself (S3 Object Lock, Azure version-level immutability). Governance
// is S3 GOVERNANCE / Azure Unlocked (a privileged identity could still lift it on the store); compliance
// is S3 COMPLIANCE / Azure Locked (nobody can shorten or remove it before `until`).
enum class LockMode : uint8_t { kGovernance, kCompliance };
struct ObjectLock {
  int64_t until = 0;  // unix seconds, UTC
  LockMode mode = LockMode::kGovernance;
};
// What a store can enforce, as ProbeLocks found it. `detail` says it in words for doctor and init.
struct LockSupport {
  bool versioning = false;   // the store keeps versions: a Delete must remove each of them
  bool object_lock = false;  // per-object retention is enforced by the store
  std::string detail;
};

inline std::string_view LockModeName(LockMode mode);  // "governance" / "compliance"

struct StoreProperties {
  int connections = 4;             // parallel requests worth making
  bool native_create_only = true;  // Put's create-only is enforced by the store itself
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Human-readable location for messages ("file:///var/backups/vault"). Never contains secrets.
  virtual std::string Describe() const = 0;
  virtual StoreProperties Properties() const = 0;

  // Create-only atomic write. AlreadyExists if `key` exists (its bytes are not compared).
  virtual Status Put(std::string_view key, std::span<const uint8_t> data) = 0;
  // Reads [offset, offset+length). NotFound if absent. With length > 0 `out` receives exactly `length`
  // bytes or the call fails: an object shorter than the range, or a server body shorter or longer than
  // asked, is Corruption naming the object (the caller asked for a range it was told exists). Length 0
  // means to the end of the object as the store sizes it now (a Stat, then exactly that many bytes);
  // an object larger than kMaxWholeObjectRead is Corruption, refused before anything is allocated.
  // Only regular objects are read: a local store refuses symlinks and special files.
  virtual Status Get(std::string_view key, uint64_t offset, uint64_t length, std::vector<uint8_t>* out) = 0;
  // As Get with length > 0, into `*buf`, returning where in it the bytes are: a store may read more than
  // asked into the buffer (the local store reads large ranges with aligned direct I/O, which skips the page
  // cache's copy). Callers that read range after range keep `buf` between calls.
  virtual Result<std::span<const uint8_t>> GetView(std::string_view key, uint64_t offset, uint64_t length,
                                                   std::vector<uint8_t>* buf) {
    CV_RETURN_IF_ERROR(Get(key, offset, length, buf));
    return std::span<const uint8_t>(*buf);
  }
  // The whole object in one request where the store can: NotFound if absent; Corruption naming it (and
  // `what` it was read as: "config", "node alias") if it is larger than `max_bytes`, refused before more
  // than that is read or allocated. For small objects read by
  // name (a node alias, config, a content key), where a Stat and then a Get would be two round trips.
  virtual Status GetUpTo(std::string_view key, uint64_t max_bytes, std::string_view what,
                         std::vector<uint8_t>* out);
  virtual Result<ObjectInfo> Stat(std::string_view key) = 0;
  // Every key under `prefix` (a folder-like prefix such as "packs/"), in no particular order. Names that
  // are not valid object keys (storage/object_key.h) are skipped with a warning on stderr.
  virtual Status List(std::string_view prefix, const std::function<void(const ObjectInfo&)>& fn) = 0;
  // Privileged: backups never call it. NotFound if absent. On a store that keeps versions it removes
  // EVERY version of the key (delete markers too), so the bytes really go: a plain delete there would
  // only hide the current version and storage would never shrink. A version the store itself protects
  // (an S3 Object Lock retention, an Azure immutability policy) is FailedPrecondition
  // "<describe>/<key>: locked by the store until <UTC>". Versions go newest first and locks are set on the
  // current version, so a locked key is refused before anything of it changed.
  virtual Status Delete(std::string_view key) = 0;

  // What this store enforces. Asked by init and doctor (and before a vault's immutability setting is
  // turned on); may write and remove a probe object. The default is a directory's answer: nothing is
  // enforced by the store, only by cassvault's own rules.
  virtual Result<LockSupport> ProbeLocks() {
    return LockSupport{.versioning = false,
                       .object_lock = false,
                       .detail =
                           "a local directory: cassvault enforces retention locks itself (anyone with "
                           "write access to the directory can still delete files)"};
  }
  // Retains the current version of `key` until `lock.until` in `lock.mode`. Extend only: a date earlier
  // than the store's current lock is refused (FailedPrecondition), by the store where it enforces that.
  // NotSupported where the store cannot lock.
  virtual Status SetLock(std::string_view key, const ObjectLock& lock) {
    (void)lock;
    return Status::NotSupported(Describe() + "/" + std::string(key),
                                "this store cannot lock objects (cassvault enforces retention itself)");
  }
  // The store's lock on the current version of `key`; nullopt when none (or the store cannot lock).
  // NotFound if the key is absent, where the store tells.
  virtual Result<std::optional<ObjectLock>> GetLock(std::string_view key) {
    (void)key;
    return std::optional<ObjectLock>();
  }
};

inline std::string_view LockModeName(LockMode mode) {
  return mode == LockMode::kCompliance ? "compliance" : "governance";
}

// "locked by the store until 2027-01-01T00:00:00Z": the one message of a store-refused delete.
inline Status LockedByStore(std::string_view subject, int64_t until) {
  return Status::FailedPrecondition(
      subject, "locked by the store until " + FormatUtc(until) + "; it cannot be deleted before then");
}

// A whole object larger than the reader accepts: the one message every store gives.
inline Status LargerThan(std::string_view subject, uint64_t max_bytes, std::string_view what) {
  return Status::Corruption(subject, "is larger than " + std::to_string(max_bytes) + " bytes: more than a " +
                                         std::string(what) + " can be (" + std::to_string(max_bytes) +
                                         "); not read (damaged or not ours)");
}

inline Status ObjectStore::GetUpTo(std::string_view key, uint64_t max_bytes, std::string_view what,
                                   std::vector<uint8_t>* out) {
  CV_ASSIGN_OR_RETURN(ObjectInfo info, Stat(key));
  if (info.size > max_bytes) return LargerThan(Describe() + "/" + std::string(key), max_bytes, what);
  out->clear();
  if (info.size == 0) return Status::OK();
  return Get(key, 0, info.size, out);
}

}  // namespace cv::storage
