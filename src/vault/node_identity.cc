#include "vault/node_identity.h"

#include <nlohmann/json.hpp>

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {
constexpr std::string_view kAliasKeyLabel = "cassvault/v2 node alias";
}  // namespace

std::string NodeAliasToJson(const NodeAlias& a) {
  json j = {{"node_id", a.node_id},         {"host_id", a.host_id}, {"address", a.address},
            {"data_center", a.data_center}, {"rack", a.rack},       {"cluster_name", a.cluster_name},
            {"created", a.created}};
  if (!a.takes_over.empty()) j["takes_over"] = a.takes_over;
  return j.dump();
}

Result<NodeAlias> NodeAliasFromJson(std::string_view text, std::string_view subject) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption(subject, "is not a node alias (not JSON)");
  NodeAlias a;
  try {
    a.node_id = j.at("node_id").get<std::string>();
    a.host_id = j.at("host_id").get<std::string>();
    a.address = j.value("address", "");
    a.data_center = j.value("data_center", "");
    a.rack = j.value("rack", "");
    a.cluster_name = j.value("cluster_name", "");
    a.created = j.value("created", int64_t{0});
    a.takes_over = j.value("takes_over", "");
  } catch (const json::exception&) {
    return Status::Corruption(subject, "is not a node alias (a field is missing or of the wrong type)");
  }
  if (!layout::IsValidNodeId(a.node_id)) return Status::Corruption(subject, "names a malformed node id");
  if (!a.takes_over.empty() && !layout::IsValidNodeId(a.takes_over))
    return Status::Corruption(subject, "names a malformed node id it takes over");
  return a;
}

Result<std::string> NodeAliasKeyFor(const VaultKeys& keys, std::string_view host_id) {
  if (keys.format() != 2 || keys.bundle() == nullptr)
    return Status::NotSupported("node alias", "a format v1 vault has no partitions");
  if (host_id.empty()) return Status::InvalidArgument("node alias", "the node's host id is unknown");
  CV_ASSIGN_OR_RETURN(crypto::SecretBytes key,
                      crypto::Hkdf(keys.bundle()->metadata_root(), {}, kAliasKeyLabel, 32));
  crypto::HmacSha256 mac(key.view());
  crypto::Hash32 h = mac.Compute(crypto::AsBytes(host_id));
  return layout::NodeAliasKey(crypto::ToHex(crypto::ByteView(h.data(), 16)));
}

Result<NodeAlias> FindNodeAlias(ObjectTable& table, std::string_view host_id) {
  CV_ASSIGN_OR_RETURN(std::string key, NodeAliasKeyFor(table.keys(), host_id));
  CV_ASSIGN_OR_RETURN(auto plain, table.GetSealed(ObjectKind::kNodeAlias, key));
  std::string subject = table.Subject(key);
  CV_ASSIGN_OR_RETURN(
      NodeAlias a, NodeAliasFromJson(
                       std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()), subject));
  // The name is a keyed hash of the host id and the AAD binds the name, so this only fails for a bug or a
  // hash collision; checked all the same, a node never takes another's partition silently.
  if (a.host_id != host_id) return Status::Corruption(subject, "is the alias of another host id");
  return a;
}

Result<ResolvedNode> ResolveNodeAlias(ObjectTable& table, const NodeAlias& wanted,
                                      std::string_view takeover) {
  auto found = FindNodeAlias(table, wanted.host_id);
  if (found.ok()) return ResolvedNode{std::move(found).value(), false};
  if (!found.status().IsNotFound()) return found.status();
  if (!takeover.empty() && !layout::IsValidNodeId(takeover))
    return Status::InvalidArgument("node id to take over '" + std::string(takeover) + "'",
                                   "expected 16 lowercase hex digits");
  NodeAlias a = wanted;
  a.takes_over = std::string(takeover);
  if (!takeover.empty()) {
    a.node_id = a.takes_over;
  } else {
    std::array<uint8_t, 8> rnd{};
    CV_RETURN_IF_ERROR(crypto::RandomBytes(rnd));
    a.node_id = crypto::ToHex(rnd);
  }
  CV_ASSIGN_OR_RETURN(std::string key, NodeAliasKeyFor(table.keys(), a.host_id));
  std::string body = NodeAliasToJson(a);
  Status put = table.PutSealed(ObjectKind::kNodeAlias, key, crypto::AsBytes(body));
  if (put.IsAlreadyExists()) {
    // A twin of this backup (same host id) minted first: its alias is the node's, for good.
    CV_ASSIGN_OR_RETURN(NodeAlias winner, FindNodeAlias(table, wanted.host_id));
    return ResolvedNode{std::move(winner), false};
  }
  CV_RETURN_IF_ERROR(put);
  return ResolvedNode{std::move(a), true};
}

}  // namespace cv::vault
