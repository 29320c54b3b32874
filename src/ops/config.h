// src/ops/config.h — cassvault.yaml: which vault, how to unlock it, and which node. Documented in
// docs/config.md. Every error names the file, the key and the problem.
#pragma once

#include <string>
#include <vector>

#include "backends/store_settings.h"
#include "core/result.h"
#include "crypto/key_slot.h"

namespace cv::ops {

struct Config {
  std::string path;  // where it was read from
  // vault
  std::string vault_url;
  std::string key_file;                                 // unlock with a key file ...
  std::string passphrase_env = "CASSVAULT_PASSPHRASE";  // ... or a passphrase from this variable / a prompt
  backends::StoreSettings store;                        // vault.tls, vault.transfer, vault.azure, vault.s3
  // node
  std::string cassandra_yaml;
  std::vector<std::string> nodetool = {"nodetool"};
  std::string cql_host;              // default: the yaml's rpc_address, else 127.0.0.1
  int cql_port = 0;                  // default: the yaml's native_transport_port
  std::string cql_credentials_file;  // "username=...\npassword=..." (mode 0600); never argv
  // engine
  std::string cache_dir;  // default: $XDG_CACHE_HOME or ~/.cache, + /cassvault
  int parallelism = 0;    // 0: one worker per core
  int zstd_level = 3;
};

// "50MiB", "50M", "1g", "800k", "800KiB/s" or plain bytes, per second; 0 = unlimited.
Result<uint64_t> ParseByteRate(const std::string& text);

// Path resolution: `explicit_path`, else $CASSVAULT_CONFIG, else /etc/cassvault/cassvault.yaml.
std::string ResolveConfigPath(const std::string& explicit_path);
Result<Config> LoadConfig(const std::string& path);

// The vault's key, from the config: the key file, else the passphrase variable, else a prompt on the
// terminal (no echo). Unauthenticated with what to set when none is available.
Result<crypto::KeySecret> LoadKeySecret(const Config& config, bool confirm_new);

struct CqlCredentials {
  std::string username, password;
};
Result<CqlCredentials> LoadCqlCredentials(const std::string& path);

}  // namespace cv::ops
