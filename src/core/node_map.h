// src/core/node_map.h — which node of a new cluster B takes which node's backup of cluster A ("another
// cluster, same shape"), with no I/O: the automatic mapping by data centre, rack and token order, the
// node-map file an operator can edit, and its checks against the cluster backup.
//
// A node restored onto B takes its source node's tokens (initial_token), so B owns exactly what A
// owned only when every source node is taken by exactly one target node in the same rack (and data
// centre, after renaming). Docs: docs/restore.md ("Disaster 4").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cv {

// A node of cluster A, as its backup with the tag records it.
struct SourceNode {
  std::string host_id, address, dc, rack, backup_id;
  std::vector<std::string> tokens;  // sorted numerically
};

// A node of cluster B.
struct TargetNode {
  std::string address, dc, rack;
};

// The node-map file: target address -> source node (host id or address), and source DC -> target DC.
struct NodeMap {
  std::map<std::string, std::string> dc_map;               // absent DC: same name on both sides
  std::vector<std::pair<std::string, std::string>> nodes;  // in file order
};

// The DC a source DC becomes on the target cluster.
std::string MapDc(const std::map<std::string, std::string>& dc_map, const std::string& dc);

// `--dc-map A=B` flags. InvalidArgument names a malformed one or a DC mapped twice.
Result<std::map<std::string, std::string>> ParseDcMapFlags(const std::vector<std::string>& flags);

// One `name: name` entry of a node-map file's section, with its 1-based line (0: unknown), as the YAML
// reader (ops/node_map_file.h) found it.
struct NodeMapEntry {
  std::string key, value;
  int line = 0;
};

// The node map from the entries of the file's two sections, `dc_map:` (source DC: target DC) and `nodes:`
// (target address: source host id or address), in file order. Every name must be printable without
// blanks (it becomes a CQL identifier or is compared with the backup's); a DC is mapped once, a target
// named once, and at least one node is named. InvalidArgument names `subject`, the line and the problem.
Result<NodeMap> MakeNodeMap(const std::vector<NodeMapEntry>& dc_map, const std::vector<NodeMapEntry>& nodes,
                            std::string_view subject);

// The file `cluster-map` writes, each node commented with its source's address, rack and first token.
std::string FormatNodeMap(const NodeMap& map, const std::vector<SourceNode>& sources, std::string_view tag);

// The target cluster's nodes, one `ADDRESS DC RACK` line each (`#` comments, blank lines).
Result<std::vector<TargetNode>> ParseTargetNodes(std::string_view text, std::string_view subject);

// The automatic mapping. In each (DC, rack), source nodes sorted by their lowest token go onto target
// nodes sorted by address (IPv4 numerically, others as text), in that order. FailedPrecondition when
// a rack has another number of nodes on each side (the clusters' shapes differ), naming the rack.
Result<NodeMap> AutoMap(const std::vector<SourceNode>& sources, const std::vector<TargetNode>& targets,
                        const std::map<std::string, std::string>& dc_map);

// Checks a node map against the cluster backup: every target named once, every name a known source
// node (host id or address), every source node taken by exactly one target, every dc_map key a DC of
// the backup. Returns target address -> index into `sources`. InvalidArgument names the problem.
// `targets`, when given, must be exactly the map's targets and each in its source's (mapped) DC and rack.
Result<std::map<std::string, size_t>> ResolveNodeMap(const NodeMap& map,
                                                     const std::vector<SourceNode>& sources,
                                                     const std::vector<TargetNode>* targets = nullptr);

// `ALTER KEYSPACE "ks" WITH replication = {...}` that renames the DCs of a NetworkTopologyStrategy
// keyspace's `CREATE KEYSPACE` statement per dc_map; "" when the statement names no mapped DC.
std::string AlterKeyspaceForDcMap(std::string_view keyspace, std::string_view create_keyspace,
                                  const std::map<std::string, std::string>& dc_map);

}  // namespace cv
