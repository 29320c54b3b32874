#include "vault/cluster_identity.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {
constexpr std::string_view kAliasKeyLabel = "cassvault/v2 cluster alias";

bool IsClusterId(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}
}  // namespace

std::string ClusterAliasToJson(const ClusterAlias& a) {
  return json{{"cluster_id", a.cluster_id}, {"cluster_name", a.cluster_name}, {"created", a.created}}.dump();
}

Result<ClusterAlias> ClusterAliasFromJson(std::string_view text, std::string_view subject) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption(subject, "is not a cluster alias (not JSON)");
  ClusterAlias a;
  try {
    a.cluster_id = j.at("cluster_id").get<std::string>();
    a.cluster_name = j.at("cluster_name").get<std::string>();
    a.created = j.value("created", int64_t{0});
  } catch (const json::exception&) {
    return Status::Corruption(subject, "is not a cluster alias (a field is missing or of the wrong type)");
  }
  // Records carry the id and `list` prints it: nothing but 16 hex may pass.
  if (!IsClusterId(a.cluster_id)) return Status::Corruption(subject, "names a malformed cluster id");
  return a;
}

Result<std::string> ClusterAliasKeyFor(const VaultKeys& keys, std::string_view cluster_name) {
  if (keys.format() != 2 || keys.bundle() == nullptr)
    return Status::NotSupported("cluster alias", "a format v1 vault has no cluster ids");
  if (cluster_name.empty())
    return Status::InvalidArgument("cluster alias", "the node's cluster name is unknown");
  CV_ASSIGN_OR_RETURN(crypto::SecretBytes key,
                      crypto::Hkdf(keys.bundle()->metadata_root(), {}, kAliasKeyLabel, 32));
  crypto::HmacSha256 mac(key.view());
  crypto::Hash32 h = mac.Compute(crypto::AsBytes(cluster_name));
  return layout::ClusterAliasKey(crypto::ToHex(crypto::ByteView(h.data(), 16)));
}

Result<ClusterAlias> FindClusterAlias(ObjectTable& table, std::string_view cluster_name) {
  CV_ASSIGN_OR_RETURN(std::string key, ClusterAliasKeyFor(table.keys(), cluster_name));
  CV_ASSIGN_OR_RETURN(auto plain, table.GetSealed(ObjectKind::kClusterAlias, key));
  std::string subject = table.Subject(key);
  CV_ASSIGN_OR_RETURN(
      ClusterAlias a,
      ClusterAliasFromJson(std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()),
                           subject));
  // The name is a keyed hash of the cluster name and the AAD binds the name: only a bug or a collision
  // gets here, and a backup never records another cluster's id silently.
  if (a.cluster_name != cluster_name) return Status::Corruption(subject, "is the alias of another cluster");
  return a;
}

Result<ResolvedCluster> ResolveClusterAlias(ObjectTable& table, std::string_view cluster_name, int64_t now) {
  auto found = FindClusterAlias(table, cluster_name);
  if (found.ok()) return ResolvedCluster{std::move(found).value(), false};
  if (!found.status().IsNotFound()) return found.status();
  ClusterAlias a;
  a.cluster_name = std::string(cluster_name);
  a.created = now;
  std::array<uint8_t, 8> rnd{};
  CV_RETURN_IF_ERROR(crypto::RandomBytes(rnd));
  a.cluster_id = crypto::ToHex(rnd);
  CV_ASSIGN_OR_RETURN(std::string key, ClusterAliasKeyFor(table.keys(), cluster_name));
  std::string body = ClusterAliasToJson(a);
  Status put = table.PutSealed(ObjectKind::kClusterAlias, key, crypto::AsBytes(body));
  if (put.IsAlreadyExists()) {
    // Another node of the cluster minted first: its id is the cluster's, for good.
    CV_ASSIGN_OR_RETURN(ClusterAlias winner, FindClusterAlias(table, cluster_name));
    return ResolvedCluster{std::move(winner), false};
  }
  CV_RETURN_IF_ERROR(put);
  return ResolvedCluster{std::move(a), true};
}

}  // namespace cv::vault
