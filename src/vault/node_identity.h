// src/vault/node_identity.h — which partition a Cassandra node backs up into (docs/vault-format.md,
// "Partitions"): the node alias nodes/<32 hex>, written create-only at the node's first backup.
//
// The alias name is the first 16 bytes of HMAC-SHA256 of the node's Cassandra host id under a key derived
// from the v2 metadata root ("cassvault/v2 node alias"), so a listing of nodes/ reveals no host id and
// every key role (a writer too) finds its own node's alias by reading one object, no listing (a Stat and a
// Get: the store interface reads an object of unknown length so, a HEAD and a GET on the cloud stores). The
// body (sealed, the name in its AAD) names the node id: 16 random hex minted at the first backup, or, for a
// replacement node, the node id of the node it takes over (takes_over), so it deduplicates against the old
// partition.
//
// Create-only: a host id keeps its partition forever. Two backups of the same node minting at once
// converge: the loser's Put finds the winner's alias (AlreadyExists) and reads it back.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "vault/object_table.h"

namespace cv::vault {

struct NodeAlias {
  std::string node_id;  // the partition
  std::string host_id, address, data_center, rack, cluster_name;
  int64_t created = 0;     // unix s
  std::string takes_over;  // the node id of the node this one replaced ("" for none)
};

std::string NodeAliasToJson(const NodeAlias& a);
Result<NodeAlias> NodeAliasFromJson(std::string_view json, std::string_view subject);

// nodes/<32 hex> for `host_id`. NotSupported for a format v1 vault (no partitions); InvalidArgument for
// an empty host id.
Result<std::string> NodeAliasKeyFor(const VaultKeys& keys, std::string_view host_id);

// The alias of `host_id`: NotFound if the node never backed up into this vault; Corruption if the object
// does not open or names another host.
Result<NodeAlias> FindNodeAlias(ObjectTable& table, std::string_view host_id);

struct ResolvedNode {
  NodeAlias alias;
  bool minted = false;  // this call wrote the alias
};

// The node's alias, found (one Get) or minted: node id `takeover` if given (a replacement node: its old
// partition), else a random one. `wanted` gives the host id and the descriptive fields of a new alias.
Result<ResolvedNode> ResolveNodeAlias(ObjectTable& table, const NodeAlias& wanted, std::string_view takeover);

}  // namespace cv::vault
