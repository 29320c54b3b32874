// src/vault/lease.h — an admin-signed, time-bounded lease (docs/vault-format.md, "Leases"):
// locks/<name>/<stamp>-<holder 16 hex>, on a store with create-only writes and no compare-and-swap.
//
// Acquire: list the lease's folder (another holder's unexpired lease: refused), write our own lease object,
// list again: ours holds only if it is then the only unexpired signed lease; otherwise we delete ours and
// step back (two contenders writing at once may both step back; neither holds it, the caller tries later).
// "Lowest wins" would not be safe without compare-and-swap: a contender that listed before our write may
// already have decided that it holds the lease.
// Unsigned or forged leases are ignored, so a writer key (on every backup node) cannot block maintenance by
// writing one. A lease ends at its expiry; a holder that dies simply stops renewing it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"
#include "vault/object_table.h"
#include "vault/vault_keys.h"

namespace cv::vault {

class Lease {
 public:
  // FailedPrecondition("lease <name>", "held by <holder> until <UTC time>; ...") when another holds it.
  // PermissionDenied without an admin key, NotSupported on a format 1 vault, before anything is written.
  static Result<Lease> Acquire(ObjectTable& objects, const VaultKeys& keys, std::string name,
                               std::string holder_description, int64_t ttl_seconds, int64_t now);

  // Writes a newer lease object (expiring now + ttl), deletes the older own one. Renew well before the
  // expiry (a third of the ttl): once expired, renewing is acquiring again, and FailedPrecondition if
  // another holder took it meanwhile.
  Status Renew(int64_t now);
  // Deletes own objects.
  Status Release();

  // Deletes the unexpired leases of `name` that `stale(description)` says are dead (a prune killed on this
  // host: its pid is gone), so the next holder need not wait for their expiry. Admin key only (as Acquire).
  // Returns how many it broke.
  static Result<size_t> BreakStale(ObjectTable& objects, const VaultKeys& keys, const std::string& name,
                                   int64_t now, const std::function<bool(const std::string&)>& stale);

  const std::string& name() const { return name_; }
  const std::string& holder() const { return holder_; }  // 16 hex
  int64_t expires() const { return expires_; }

 private:
  explicit Lease(ObjectTable& objects) : objects_(&objects) {}
  // Signs and writes our lease object (stamp `now`, or the second after our last one), expiring now + ttl.
  Status WriteOwn(int64_t now);
  // List, write ours, list again (see the top of the file); on losing, our objects are deleted.
  Status Contend(int64_t now);

  ObjectTable* objects_;  // its keys are the ones Acquire was given
  std::string name_, holder_, description_;
  int64_t ttl_ = 0, expires_ = 0;
  int64_t acquired_ = 0;    // kept across renewals: since when the lease is held (messages)
  int64_t last_stamp_ = 0;  // of our newest object
  std::string key_;         // our current lease object
};

}  // namespace cv::vault
