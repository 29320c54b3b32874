// src/vault/lease.h — an admin-signed, time-bounded lease (docs/vault-format.md, "Leases"):
// locks/<name>/<stamp>-<holder 16 hex>, on a store with create-only writes and no compare-and-swap.
//
// Acquire: list the lease's folder, write our own lease object, list again; of the unexpired signed leases
// the lowest (oldest stamp, then holder) wins. Unsigned or forged leases are ignored, so a writer key (on
// every backup node) cannot block maintenance by writing one. A lease ends at its expiry; a holder that
// dies simply stops renewing it.
#pragma once

#include <cstdint>
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

  // Writes a newer lease object, deletes the older own one. FailedPrecondition if the lease expired and
  // another holder took it meanwhile.
  Status Renew(int64_t now);
  // Deletes own objects.
  Status Release();

  const std::string& name() const { return name_; }
  const std::string& holder() const { return holder_; }  // 16 hex
  int64_t expires() const { return expires_; }

 private:
  Lease(ObjectTable& objects, const VaultKeys& keys) : objects_(&objects), keys_(&keys) {}

  ObjectTable* objects_;
  const VaultKeys* keys_;
  std::string name_, holder_, description_;
  int64_t ttl_ = 0, expires_ = 0;
  std::string key_;  // our current lease object
};

}  // namespace cv::vault
