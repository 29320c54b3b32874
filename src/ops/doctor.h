// src/ops/doctor.h — `cassvault doctor`: can this machine, with this identity, reach the vault, and
// what may it do there?
//
// An operator runs it once when setting up a node, and again when a backup fails with an access error.
// It tries each operation for real on a probe object (`probes/<random>`, which the engine never reads):
// read, list, create, create-only (a second put of the probe must be refused), read-back, delete. The
// probe is deleted when the identity may delete; otherwise it stays, 32 harmless bytes.
//
// Delete is the one permission a backup identity should NOT have: whoever steals a node's credential
// could then destroy the backups that were meant to survive the node. Doctor warns when it can.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ops/config.h"
#include "ops/doctor_roles.h"
#include "storage/object_store.h"

namespace cv::ops {

struct DoctorCheck {
  enum class Outcome { kOk, kWarn, kFail, kSkipped };
  // "endpoint", "tls", "read", "list", "create", "create-only", "read-back", "delete", "locks", "vault key",
  // "roles" (what this identity can do), "role excess" (a warning per right beyond its key's role)
  std::string name;
  Outcome outcome = Outcome::kOk;
  std::string detail;  // what was seen, and for a warning or failure what to do
  Status status;       // the failure, for the exit code
};

struct DoctorReport {
  std::string vault;  // the store's Describe()
  std::vector<DoctorCheck> checks;
  bool can_read = false, can_list = false, can_create = false, can_delete = false;
  // What the store itself enforces (ObjectStore::ProbeLocks); both false when it was not probed.
  bool store_object_lock = false, store_versioning = false;
  // The role of the key that opened the vault (kNone when none did), and what the identity can do with it.
  IdentityKey key = IdentityKey::kNone;
  RoleSummary roles;
  // First failed check's status (OK when none failed): decides the exit code.
  Status first_failure;
};

// `store` is the configured vault's store (the last check opens the vault with it); `config` says which
// key to try (never prompts).
DoctorReport RunDoctor(const Config& config, std::unique_ptr<storage::ObjectStore> store);

std::string_view OutcomeName(DoctorCheck::Outcome outcome);

}  // namespace cv::ops
