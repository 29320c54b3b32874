// src/cassandra/cql_session.h — what cassvault reads and runs over CQL (DataStax/Apache C++ driver):
// the node's identity and topology for the manifest, keyspace DDL and user types for restores, and
// the schema statements a restore replays.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"

namespace cv::cassandra {

struct CqlOptions {
  std::string host = "127.0.0.1";
  int port = 9042;
  std::string username;  // empty: no authentication
  std::string password;  // read from a credentials file by the caller; never logged
  int connect_timeout_ms = 10000;
  int request_timeout_ms = 60000;
  // TLS (node.cql.tls): the node's certificate must chain to a certificate of `tls_ca_pem`, and by
  // default name the address connected to (an IP SAN); a client certificate is optional.
  bool tls = false;
  std::string tls_ca_pem;
  bool tls_verify_address = true;
  std::string tls_cert_pem, tls_key_pem;  // both or neither; the key unencrypted
};

struct NodeIdentity {
  std::string host_id;
  std::vector<std::string> tokens;  // decimal strings, sorted numerically
  std::string data_center, rack, cluster_name, partitioner, release_version;
  std::string broadcast_address;
};

struct KeyspaceSchema {
  std::string name;
  std::string create_keyspace;            // CREATE KEYSPACE IF NOT EXISTS ... WITH replication = {...} AND
                                          // durable_writes = ...;
  std::vector<std::string> create_types;  // CREATE TYPE IF NOT EXISTS ks.t (...); in dependency order
};

struct TableInfo {
  std::string keyspace, table, id;  // id as 32 lowercase hex, no dashes (the directory suffix)
};

class CqlSession {
 public:
  // Unavailable("cql 127.0.0.1:9042", "...") if the node does not answer; Unauthenticated on bad credentials.
  static Result<std::unique_ptr<CqlSession>> Connect(const CqlOptions& options);
  ~CqlSession();

  Result<NodeIdentity> ReadLocalNode();
  // The other members of the cluster as this node sees them (system.peers_v2: host_id, peer, data_center,
  // rack), unsorted. With ReadLocalNode, the members a backup records. Rows without a host id (a peer
  // still joining, or one being removed) are left out.
  Result<std::vector<ClusterMember>> ReadPeers();
  Result<std::vector<std::string>> ListKeyspaces();
  Result<KeyspaceSchema> DescribeKeyspace(const std::string& keyspace);  // NotFound if absent
  Result<std::vector<TableInfo>> ListTables(const std::string& keyspace);
  // Every table and materialized view of every keyspace (system_schema.tables and .views), sorted by
  // keyspace then name: what a snapshot can name one by one.
  Result<std::vector<TableInfo>> ListTablesAndViews();
  // Current id of a table, NotFound if it does not exist.
  Result<std::string> TableId(const std::string& keyspace, const std::string& table);
  // Runs one statement (DDL: waits for schema agreement).
  Status Execute(const std::string& cql);

 private:
  struct Impl;
  explicit CqlSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cv::cassandra
