#include "ops/node_session.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>

#include "backends/registry.h"
#include "env/open_files.h"
#include "env/private_file.h"

namespace cv::ops {

bool IsPortOpen(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return false;
  bool open = false;
  for (addrinfo* ai = res; ai && !open; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc == 0) {
      open = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 1000) == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        open = err == 0;
      }
    }
    ::close(fd);
  }
  freeaddrinfo(res);
  return open;
}

Status CheckNodeStopped(const Config& config, const cassandra::NodeConfig& node,
                        const std::string& what_to_do) {
  auto running = [&](const std::string& host, int port, const std::string& which) {
    return Status::FailedPrecondition("node " + host + ":" + std::to_string(port) + " (" + which + ")",
                                      "is running (it accepts connections); " + what_to_do);
  };
  CqlTarget cql = ResolveCqlTarget(config, node);
  if (IsPortOpen(cql.host, cql.port)) return running(cql.host, cql.port, "CQL port");
  // Cassandra binds the storage port to listen_address, else to the address of the host name.
  std::string storage_host = node.listen_address;
  if (storage_host.empty()) {
    char name[256] = {};
    storage_host = ::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0' ? name : "127.0.0.1";
  }
  if (IsPortOpen(storage_host, node.storage_port)) {
    return running(storage_host, node.storage_port, "storage port, cassandra.yaml storage_port");
  }
  CV_ASSIGN_OR_RETURN(cassandra::JmxEndpoint jmx, cassandra::JmxEndpointOf(config.nodetool.command));
  if (IsPortOpen(jmx.host, jmx.port)) return running(jmx.host, jmx.port, "JMX port, from node.nodetool");
  std::vector<std::string> dirs = node.data_file_directories;
  dirs.push_back(node.commitlog_directory);
  if (auto user = env::FindProcessUsing(dirs, {node.yaml_path})) {
    return Status::FailedPrecondition(
        "node: process " + std::to_string(user->pid) + " (" + user->command + ")",
        "uses " + user->what + ": the node is running; " + what_to_do);
  }
  return Status::OK();
}

CqlTarget ResolveCqlTarget(const Config& config, const cassandra::NodeConfig& node) {
  CqlTarget t;
  t.host = !config.cql_host.empty()    ? config.cql_host
           : !node.rpc_address.empty() ? node.rpc_address
                                       : "127.0.0.1";
  t.port = config.cql_port > 0 ? config.cql_port : node.native_transport_port;
  return t;
}

namespace {

// PEM files are a few KiB; a bigger one is the wrong file.
Result<std::string> ReadPemFile(const std::string& path, const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(key + " " + path, "cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (1 << 20))
    return Status::InvalidArgument(key + " " + path, "is larger than 1 MiB: not a PEM file");
  return text;
}

}  // namespace

Result<std::unique_ptr<cassandra::CqlSession>> ConnectCql(const Config& config,
                                                          const cassandra::NodeConfig& node) {
  CqlTarget t = ResolveCqlTarget(config, node);
  cassandra::CqlOptions o;
  o.host = t.host;
  o.port = t.port;
  if (!config.cql_credentials_file.empty()) {
    CV_ASSIGN_OR_RETURN(CqlCredentials c, LoadCqlCredentials(config.cql_credentials_file));
    o.username = c.username;
    o.password = c.password;
  }
  if (config.cql_tls) {
    o.tls = true;
    o.tls_verify_address = config.cql_tls_verify_address;
    CV_ASSIGN_OR_RETURN(o.tls_ca_pem, ReadPemFile(config.cql_tls_ca_file, "node.cql.tls.ca_file"));
    if (!config.cql_tls_cert_file.empty()) {
      CV_ASSIGN_OR_RETURN(o.tls_cert_pem, ReadPemFile(config.cql_tls_cert_file, "node.cql.tls.cert_file"));
      CV_RETURN_IF_ERROR(env::CheckPrivateFile(config.cql_tls_key_file, "node.cql.tls.key_file"));
      CV_ASSIGN_OR_RETURN(o.tls_key_pem, ReadPemFile(config.cql_tls_key_file, "node.cql.tls.key_file"));
    }
  }
  return cassandra::CqlSession::Connect(o);
}

Result<std::unique_ptr<vault::Vault>> OpenVault(const Config& config) {
  return OpenVault(config, OpenConfiguredKeyVault(config));
}

Result<std::unique_ptr<vault::Vault>> OpenVault(const Config& config, const Result<ConfiguredKeyVault>& kv) {
  CV_ASSIGN_OR_RETURN(auto store, backends::OpenStore(config.vault_url, config.store, false));
  if (!kv.ok() && kv.status().IsNotFound()) {  // no vault.key_vault: the key file or passphrase, as always
    CV_ASSIGN_OR_RETURN(crypto::KeySecret secret, LoadKeySecret(config, false));
    return vault::Vault::Open(std::move(store), secret);
  }
  return OpenVaultWithKeyVault(
      std::move(store), kv, [&config] { return LoadKeySecret(config, false); }, std::cerr);
}

Status CheckTag(const std::string& tag) {
  bool ok = !tag.empty() && tag.size() <= 128 && std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return ok ? Status::OK()
            : Status::InvalidArgument("tag '" + tag + "'",
                                      "use 1-128 letters, digits, '_' or '-' (it names a snapshot)");
}

}  // namespace cv::ops
