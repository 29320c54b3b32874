// src/vault/cluster_identity.h — what a cluster is to cassvault (docs/vault-format.md, "Clusters"): the
// cluster alias clusters/<32 hex>, written create-only at the first backup of any node of the cluster.
//
// The alias name is the first 16 bytes of HMAC-SHA256 of the Cassandra cluster name under a key derived
// from the v2 metadata root ("cassvault/v2 cluster alias"), so a listing of clusters/ reveals no cluster
// name and every key role finds its cluster's alias with one read, no listing. The body (sealed, the name
// in its AAD) holds the cluster id: 16 random hex, which every backup of the cluster records.
//
// A cluster is its name: two Cassandra clusters with the same cluster_name backing up into one vault are
// one cluster to cassvault (give them distinct names, or distinct vaults). Create-only: a name keeps its
// id forever. Two nodes minting at once converge: the loser's Put finds the winner's alias
// (AlreadyExists) and reads it back, so both record the same id.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "vault/object_table.h"

namespace cv::vault {

struct ClusterAlias {
  std::string cluster_id;  // 16 lowercase hex
  std::string cluster_name;
  int64_t created = 0;  // unix s
};

std::string ClusterAliasToJson(const ClusterAlias& a);
Result<ClusterAlias> ClusterAliasFromJson(std::string_view json, std::string_view subject);

// clusters/<32 hex> for `cluster_name`. NotSupported for a format v1 vault; InvalidArgument for an empty
// name.
Result<std::string> ClusterAliasKeyFor(const VaultKeys& keys, std::string_view cluster_name);

// NotFound if no node of the cluster backed up into this vault yet; Corruption if the object does not
// open or names another cluster.
Result<ClusterAlias> FindClusterAlias(ObjectTable& table, std::string_view cluster_name);

struct ResolvedCluster {
  ClusterAlias alias;
  bool minted = false;  // this call wrote the alias
};

// The cluster's alias, found (one Get) or minted with a random id (create-only; a lost race reads back
// the winner's).
Result<ResolvedCluster> ResolveClusterAlias(ObjectTable& table, std::string_view cluster_name, int64_t now);

}  // namespace cv::vault
