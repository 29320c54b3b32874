// src/backends/store_settings.h — what cassvault.yaml says about reaching the vault, handed to the
// backend that the URL picks.
//
// The config loader does not know any backend: it copies the scalar keys of `vault.azure` and
// `vault.s3` into string maps, and each backend validates its own keys (naming `vault.azure.<key>` and
// the config file in its errors). So a new backend adds a folder and a line in registry.cc, nothing
// in ops/.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace cv::backends {

struct StoreSettings {
  std::string config_path;                   // for messages: "cassvault.yaml: key 'vault.azure.auth' ..."
  std::map<std::string, std::string> azure;  // vault.azure.* (scalars)
  std::map<std::string, std::string> s3;     // vault.s3.*
  // vault.key_vault.* (scalars): the Azure Key Vault key that wraps the vault's keys; validated by
  // ops/key_vault.cc. Empty when not configured.
  std::map<std::string, std::string> key_vault;
  // vault.tls
  std::string ca_file;        // extra PEM bundle to trust (a private CA, an emulator's test CA)
  bool insecure_tls = false;  // DANGER: no certificate verification; warned about loudly
  // vault.transfer
  int max_connections = 0;     // 0 = the backend's default
  uint64_t max_bandwidth = 0;  // bytes/s over all uploads and downloads; 0 = unlimited
  int max_attempts = 6;        // per request, first try included
  int stall_timeout_s = 60;    // a transfer that moves no byte this long is cut and retried
};

}  // namespace cv::backends
