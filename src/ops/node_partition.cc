#include "ops/node_partition.h"

#include <chrono>

#include "ops/takeover_hint.h"
#include "vault/node_identity.h"

namespace cv::ops {

Result<NodePartition> StartNodePartition(vault::Vault& vault, const NodeInfo& node,
                                         const std::string& cache_dir) {
  NodePartition out;
  if (vault.format() == 2 && !node.host_id.empty()) {
    std::string hint;
    if (!cache_dir.empty()) {
      CV_ASSIGN_OR_RETURN(hint, ReadTakeoverHint(cache_dir, vault.vault_id()));
    }
    vault::NodeAlias wanted;
    wanted.host_id = node.host_id;
    wanted.address = node.address;
    wanted.data_center = node.data_center;
    wanted.rack = node.rack;
    wanted.cluster_name = node.cluster_name;
    wanted.created =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    CV_ASSIGN_OR_RETURN(vault::ResolvedNode resolved, vault::ResolveNodeAlias(vault.objects(), wanted, hint));
    out.node_id = resolved.alias.node_id;
    out.minted = resolved.minted;
    if (resolved.minted) out.takes_over = resolved.alias.takes_over;
    // Used, or moot: the alias is durable now and names the partition for good.
    if (!hint.empty()) CV_RETURN_IF_ERROR(RemoveTakeoverHint(cache_dir, vault.vault_id()));
  }
  CV_RETURN_IF_ERROR(vault.UsePartition(out.node_id));
  vault.SetIndexCacheDir(cache_dir);
  CV_RETURN_IF_ERROR(vault.LoadIndex());
  return out;
}

}  // namespace cv::ops
