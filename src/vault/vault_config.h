// src/vault/vault_config.h — the `config` object (format name, version, vault id) and its sealed copies
// under config-seal/ (docs/vault-format.md, "config").
//
// `config` is plaintext: it must be readable before the key is known. Anyone who can write the store could
// have written it, so it is parsed without echoing its bytes (a symlinked config must not leak the file it
// points to), every member is checked, and once the vault is open its bytes are compared with the copies
// sealed under the key.
#pragma once

#include <span>
#include <string>

#include "core/result.h"
#include "vault/object_table.h"
#include "vault/problems.h"

namespace cv::vault {

inline constexpr int kFormatVersion = 1;
// Sealed copies of config read per unlock, at most.
inline constexpr size_t kMaxConfigSeals = 16;

struct ParsedConfig {
  std::string vault_id;
};

// The bytes of a new vault's config.
std::string ConfigText(const std::string& vault_id);
// Corruption (or NotSupported for another format version) naming `subject`, never quoting the bytes.
Result<ParsedConfig> ParseConfig(std::span<const uint8_t> raw, const std::string& subject);

// Checks `config_bytes` against the sealed copies in config-seal/; writes the first copy if there is none
// (a vault made before this check: trust on first use). Corruption if a copy that opens differs. Copies
// that do not open are foreign: skipped and logged.
Status CheckConfigSeal(ObjectTable& table, ProblemLog& problems, std::span<const uint8_t> config_bytes);

}  // namespace cv::vault
