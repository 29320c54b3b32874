// src/ops/doctor_key_vault.h — what `cassvault doctor` says about the Key Vault key of `vault.key_vault`:
//   key vault get     the newest enabled version's public key can be read (keys/get);
//   key vault wrap    32 random bytes wrapped locally with it (RSA-OAEP-256): what a backup node needs;
//   key vault unwrap  Key Vault unwraps them back byte for byte (keys/unwrapKey): restore and admin only;
//   key vault sign    a PS256 signature of a digest that verifies (keys/sign): a guardian's key.
// A refusal (403) is a warning naming the missing permission, not a failure: a backup identity is meant to
// lack unwrap. Anything else that goes wrong (unreachable, a challenge for another host, bad settings) is
// a failure. All four are skipped when `vault.key_vault` is not configured.
#pragma once

#include <vector>

#include "ops/config.h"
#include "ops/doctor.h"

namespace cv::ops {

std::vector<DoctorCheck> CheckKeyVault(const Config& config);

}  // namespace cv::ops
