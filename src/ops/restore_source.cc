#include "ops/restore_source.h"

#include "ops/node_session.h"

namespace cv::ops {

Result<RestoreSource> SelectRestoreSource(const Config& config, vault::Vault& vault,
                                          const RestoreOptions& o) {
  const bool to_dir = !o.target_dir.empty();
  const bool live = !to_dir && o.mode == "live";
  if (!to_dir && o.mode != "offline" && o.mode != "live") {
    return Status::InvalidArgument("--mode '" + o.mode + "'", "expected offline, live or load");
  }
  RestoreSource src;
  if (!to_dir) {
    CV_ASSIGN_OR_RETURN(src.node, cassandra::LoadNodeConfig(config.cassandra_yaml));
  }
  if (live) {
    CV_ASSIGN_OR_RETURN(src.cql, ConnectCql(config, src.node));
    CV_ASSIGN_OR_RETURN(auto ident, src.cql->ReadLocalNode());
    src.host_id = ident.host_id;
    src.live_tokens = ident.tokens;
  }
  // --node-map (a new cluster) names the source node this one takes: as --from-node would.
  src.from_node = o.from_node;
  if (!o.node_map.empty()) {
    if (to_dir || live || !o.from_node.empty() || o.topology_change) {
      return Status::InvalidArgument("--node-map",
                                     "is for offline restores into the nodes of a new cluster; "
                                     "not with --target-dir, --mode live, --from-node or "
                                     "--topology-change");
    }
    CV_ASSIGN_OR_RETURN(src.pick, PickFromNodeMap(vault, o.backup, o.node_map, src.node));
    src.from_node = src.pick.source_host_id;
  }
  // --from-node picks the replaced node's backup instead of this node's.
  const std::string& from = src.from_node;
  CV_ASSIGN_OR_RETURN(src.record, !src.pick.backup_id.empty()
                                      ? vault.LoadRecord(src.pick.backup_id)
                                      : ResolveBackup(vault, o.backup, from.empty() ? src.host_id : from,
                                                      from.empty() ? src.node.listen_address : from));
  CV_ASSIGN_OR_RETURN(src.manifest, vault.LoadManifest(src.record));
  return src;
}

}  // namespace cv::ops
