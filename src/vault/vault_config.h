// src/vault/vault_config.h — the `config` object (format name, version, vault id) and its sealed copies
// under config-seal/ (docs/vault-format.md, "config").
//
// `config` is plaintext: it must be readable before the key is known. Anyone who can write the store could
// have written it, so it is parsed without echoing its bytes (a symlinked config must not leak the file it
// points to), every member is checked, and once the vault is open it is authenticated:
//   v1  compared with the copies sealed under the key (the first written at first unlock: trust on first
//   use); v2  a JSON line and, on the next line, the admin key's Ed25519 signature over it, checked against
//   the
//       admin public key every key slot's bundle carries. Written once by `init`; no trust on first use.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/key_bundle.h"
#include "vault/object_table.h"
#include "vault/problems.h"

namespace cv::vault {

inline constexpr int kFormatVersion = 2;  // of new vaults; 1 is still read (and written with --format 1)
// Sealed copies of config read per unlock, at most.
inline constexpr size_t kMaxConfigSeals = 16;

struct ParsedConfig {
  int version = 1;
  std::string vault_id;
  std::string line;                // v2: the JSON line the signature covers
  std::vector<uint8_t> signature;  // v2
};

// The bytes of a new v1 vault's config.
std::string ConfigText(const std::string& vault_id);
// The bytes of a new v2 vault's config, signed by `admin` (an admin bundle).
Result<std::string> ConfigTextV2(const std::string& vault_id, const crypto::KeyBundle& admin);
// v2: Corruption unless the signature is the vault's admin key's over the line.
Status CheckConfigSignature(const ParsedConfig& config, const crypto::KeyBundle& bundle,
                            const std::string& subject);
// Corruption (or NotSupported for another format version) naming `subject`, never quoting the bytes.
Result<ParsedConfig> ParseConfig(std::span<const uint8_t> raw, const std::string& subject);

// Checks `config_bytes` against the sealed copies in config-seal/; writes the first copy if there is none
// (a vault made before this check: trust on first use). Corruption if a copy that opens differs. Copies
// that do not open are foreign: skipped and logged.
Status CheckConfigSeal(ObjectTable& table, ProblemLog& problems, std::span<const uint8_t> config_bytes);

}  // namespace cv::vault
