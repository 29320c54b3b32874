#include "core/token_plan.h"

#include <algorithm>
#include <cctype>

namespace cv {
namespace {

std::string Describe(const NodeRef& n) {
  if (n.address.empty() && n.host_id.empty()) return "an unknown node";
  if (n.host_id.empty()) return n.address;
  if (n.address.empty()) return "host id " + n.host_id;
  return n.address + " (host id " + n.host_id + ")";
}

bool IsInteger(const std::string& s) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  return i < s.size() && std::all_of(s.begin() + static_cast<long>(i), s.end(), ::isdigit);
}

// Numeric order for decimal tokens of any length without converting (RandomPartitioner's are 128-bit).
bool TokenLess(const std::string& a, const std::string& b) {
  if (!IsInteger(a) || !IsInteger(b)) return a < b;
  bool na = a[0] == '-', nb = b[0] == '-';
  if (na != nb) return na;
  std::string_view ma = std::string_view(a).substr(na ? 1 : 0), mb = std::string_view(b).substr(nb ? 1 : 0);
  bool mag_less = ma.size() != mb.size() ? ma.size() < mb.size() : ma < mb;
  bool mag_equal = ma == mb;
  if (mag_equal) return false;
  return na ? !mag_less : mag_less;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// What to do when the node holds other tokens than the backup's, shared by every refusal.
std::string HowToOwn() {
  return "restoring would leave most rows on ranges this node does not own, where no read finds them. "
         "To give the node the backup's tokens: stop it, empty its data, commitlog, hints and "
         "saved_caches directories, and restore again (the restore then sets initial_token). To restore "
         "into this topology anyway, add --topology-change";
}

}  // namespace

Status CheckBackupNode(const NodeRef& backup, const NodeRef& target, std::string_view from_node,
                       std::string_view backup_id) {
  auto same = [](const std::string& a, const std::string& b) { return !a.empty() && a == b; };
  if (!from_node.empty()) {
    if (same(backup.host_id, std::string(from_node)) || same(backup.address, std::string(from_node)))
      return Status::OK();
    return Status::InvalidArgument(
        "--from-node " + std::string(from_node),
        "backup " + std::string(backup_id) + " is of node " + Describe(backup) +
            ", not of the node named; `cassvault list` shows which node each backup is of");
  }
  if (same(backup.address, target.address) || same(backup.host_id, target.host_id)) return Status::OK();
  if (target.address.empty() && target.host_id.empty())
    return Status::OK();  // cannot tell: nothing to compare
  return Status::InvalidArgument(
      "backup " + std::string(backup_id),
      "is of node " + Describe(backup) + ", but this node is " + Describe(target) +
          ". Restoring another node's backup gives this node data for ranges it does not own. If this "
          "node replaces that one, add --from-node " +
          (backup.address.empty() ? backup.host_id : backup.address) +
          "; otherwise restore this node's own backup (`cassvault list` shows them). Nothing was changed");
}

Status CheckPartitioner(std::string_view backup_partitioner, std::string_view target_partitioner,
                        std::string_view target) {
  if (backup_partitioner.empty() || target_partitioner.empty()) return Status::OK();
  // Cassandra accepts the short class name too.
  auto tail = [](std::string_view p) {
    return p.substr(p.rfind('.') == std::string_view::npos ? 0 : p.rfind('.') + 1);
  };
  if (tail(backup_partitioner) == tail(target_partitioner)) return Status::OK();
  return Status::FailedPrecondition(
      std::string(target),
      "uses partitioner " + std::string(target_partitioner) + " but the backup was taken with " +
          std::string(backup_partitioner) +
          "; its SSTables are ordered by the other partitioner's tokens and cannot be read here. Restore "
          "into a cluster configured with " +
          std::string(backup_partitioner) + ". Nothing was changed");
}

std::vector<std::string> SortTokens(std::vector<std::string> tokens) {
  std::sort(tokens.begin(), tokens.end(), TokenLess);
  return tokens;
}

std::vector<std::string> ParseTokenList(std::string_view list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return SortTokens(std::move(out));
}

bool SameTokens(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return SortTokens(a) == SortTokens(b);
}

Result<TokenPlan> PlanTokens(const TokenInputs& in) {
  TokenPlan plan;
  const std::vector<std::string> want = SortTokens(in.backup_tokens);
  const std::string count = std::to_string(want.size()) + (want.size() == 1 ? " token" : " tokens");
  if (want.empty()) {
    plan.lines.push_back(
        "tokens: the backup records none (a backup taken with --offline); ownership cannot be checked: "
        "make sure this node has the tokens it had when the backup was taken");
    return plan;
  }
  plan.lines.push_back("tokens: the backup's node owned " + count + ": " + Join(want, ","));
  auto differ = [&](const std::string& what) -> Result<TokenPlan> {
    if (!in.topology_change) {
      return Status::FailedPrecondition("node " + in.node,
                                        what + "; " + HowToOwn() + ". Nothing was changed");
    }
    plan.lines.push_back("tokens: " + what +
                         "; restoring anyway (--topology-change): rows outside this node's ranges are not "
                         "served until they are loaded where they belong (sstableloader), and `nodetool "
                         "cleanup` would delete them");
    return plan;
  };

  switch (in.target) {
    case TargetTokens::kRunning:
      if (SameTokens(in.live_tokens, want)) {
        plan.tokens_match = true;
        plan.lines.push_back("tokens: the node owns exactly these (checked over CQL)");
        return plan;
      }
      return differ("owns " + std::to_string(in.live_tokens.size()) + " other tokens (" +
                    Join(SortTokens(in.live_tokens), ",") + ") than backup " + in.backup_id + "'s " + count);

    case TargetTokens::kFresh: {
      if (in.topology_change) {
        plan.lines.push_back(
            "tokens: --topology-change: cassandra.yaml is left as it is; the node takes the tokens it "
            "names, or new ones, on its first start");
        return plan;
      }
      plan.tokens_match = true;
      plan.restore_system_local = in.backup_has_system_local && in.whole_node && in.same_cluster_name &&
                                  !in.separate_system_dir && !in.backup_host_id.empty() && !in.new_cluster;
      if (in.new_cluster) {
        // Host ids and the stored DC/rack stay with cluster A: the new node gets its own host id, and
        // a renamed DC would make Cassandra refuse the restored system.local anyway.
        plan.lines.push_back(
            "tokens: a new cluster (--node-map): system.local is not restored, so the node gets a new host "
            "id; it takes the tokens of the backup's node through initial_token");
      }
      if (plan.restore_system_local) {
        plan.lines.push_back(
            "tokens: restoring system.local too: the node comes back as host id " + in.backup_host_id +
            " with its tokens and bootstrap state, so it joins as the same node, without streaming. The "
            "node whose backup this is must never run again");
      }
      bool yaml_ok = SameTokens(in.yaml_initial_tokens, want) &&
                     in.yaml_num_tokens == static_cast<int>(want.size()) && in.yaml_auto_bootstrap == "false";
      if (yaml_ok) {
        plan.lines.push_back(
            "tokens: the node has no system keyspace; cassandra.yaml already names these tokens with "
            "auto_bootstrap: false, so its first start takes them");
        return plan;
      }
      plan.write_yaml = true;
      plan.initial_token = Join(want, ",");
      plan.num_tokens = static_cast<int>(want.size());
      std::string was = in.yaml_initial_tokens.empty()
                            ? "num_tokens " + std::to_string(in.yaml_num_tokens) + " and no initial_token"
                            : "initial_token " + Join(in.yaml_initial_tokens, ",");
      plan.lines.push_back(
          "tokens: the node has no system keyspace, so its first start would take the tokens of its "
          "cassandra.yaml (" +
          was + "); setting initial_token to the backup's " + count +
          ", num_tokens: " + std::to_string(want.size()) +
          " and auto_bootstrap: false (join with the restored data, no streaming); the original "
          "cassandra.yaml is kept next to it");
      return plan;
    }

    case TargetTokens::kInitialised:
      if (!in.yaml_initial_tokens.empty()) {
        // The stored tokens came from initial_token at the node's first start.
        if (SameTokens(in.yaml_initial_tokens, want)) {
          plan.tokens_match = true;
          plan.lines.push_back(
              "tokens: the node keeps the tokens stored in its system keyspace; its cassandra.yaml "
              "initial_token, which it started with, names exactly these");
          return plan;
        }
        return differ("was started with initial_token " + Join(in.yaml_initial_tokens, ",") +
                      ", not backup " + in.backup_id + "'s " + count);
      }
      if (in.yaml_num_tokens != static_cast<int>(want.size())) {
        return differ("has num_tokens " + std::to_string(in.yaml_num_tokens) + ", so it holds " +
                      std::to_string(in.yaml_num_tokens) + " tokens, not backup " + in.backup_id + "'s " +
                      count);
      }
      if (in.initialised_after_backup) {
        return differ("was set up again after backup " + in.backup_id +
                      " was taken (its system keyspace is younger than the backup), so it allocated new "
                      "tokens then");
      }
      plan.tokens_match = true;
      plan.lines.push_back(
          "tokens: the node keeps the tokens stored in its system keyspace, which is older than the "
          "backup and sized for " +
          count +
          "; a stopped node's tokens cannot be read, so check them after the start (see the next steps)");
      return plan;
  }
  return plan;
}

}  // namespace cv
