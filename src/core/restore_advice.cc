#include "core/restore_advice.h"

#include <algorithm>
#include <cctype>

namespace cv {
namespace {

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

int MaxReplicationFactor(std::string_view stmt) {
  size_t open = stmt.find('{', stmt.find("replication"));
  size_t close = open == std::string_view::npos ? open : stmt.find('}', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return 0;
  std::string_view map = stmt.substr(open + 1, close - open - 1);
  int best = 0;
  // 'key': 'value' pairs; every value that starts with digits is a replication factor except 'class'.
  size_t pos = 0;
  while ((pos = map.find(':', pos)) != std::string_view::npos) {
    std::string_view key = map.substr(0, pos);
    size_t kq = key.rfind('\'', key.size() >= 1 ? key.size() - 1 : 0);
    size_t kq0 = kq == std::string_view::npos || kq == 0 ? std::string_view::npos : key.rfind('\'', kq - 1);
    std::string_view name = kq0 == std::string_view::npos ? "" : key.substr(kq0 + 1, kq - kq0 - 1);
    size_t v = pos + 1;
    while (v < map.size() && (map[v] == ' ' || map[v] == '\'')) ++v;
    int rf = 0;
    bool digits = false;
    while (v < map.size() && std::isdigit(static_cast<unsigned char>(map[v]))) {
      rf = rf * 10 + (map[v++] - '0');
      digits = true;
    }
    if (digits && name != "class") best = std::max(best, rf);
    ++pos;
  }
  return best;
}

std::vector<std::string> NextSteps(const AdviceInputs& in) {
  std::vector<std::string> out;
  const std::string tokens = Join(in.tokens, ",");
  if (!in.live) {
    out.push_back(
        "start the node. After a whole-cluster loss, start the seed nodes first, one at a time, each "
        "after the previous one shows UN in `nodetool status`, then the others the same way");
    if (!in.yaml_path.empty()) {
      out.push_back("keep " + in.yaml_path +
                    " as it is now: initial_token and auto_bootstrap are read on the first start only, "
                    "and Cassandra refuses to start when num_tokens differs from the number of tokens it "
                    "stored. The original is at " +
                    in.yaml_copy);
    }
    if (in.tokens_match && !in.tokens.empty()) {
      out.push_back(
          "check the tokens once it is up: `nodetool -h <jmx host> info -T` (or `SELECT tokens, host_id FROM "
          "system.local` on " +
          in.node + ") must list exactly " + tokens +
          (in.host_id_kept.empty()
               ? std::string("; its log says `tokens manually specified as` on a first start")
               : "; host id " + in.host_id_kept + "; its log says `Using saved tokens`"));
    }
  } else if (in.tokens_checked_live) {
    out.push_back("no restart needed: the node owns the backup's tokens and imported the files");
  }
  if (!in.replicated_keyspaces.empty()) {
    out.push_back(
        "repair: keyspaces " + Join(in.replicated_keyspaces, ", ") +
        " have more than one replica. Node snapshots are not one consistent cut, and writes made after "
        "the backup are on the other replicas only: once every node is UN, run `nodetool repair -full " +
        "<keyspace>` on each node, one node at a time");
  }
  if (!in.single_keyspaces.empty()) {
    out.push_back("no repair for " + Join(in.single_keyspaces, ", ") +
                  " (replication factor 1: there is no other replica); rows written there after the backup "
                  "are not restored");
  }
  return out;
}

}  // namespace cv
