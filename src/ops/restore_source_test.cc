// restore --cluster-tag (ops/restore_source.h): which backup of a cluster backup is this node's — by host
// id, by tokens when host ids changed, by address for a stopped node — and the errors when none is.
#include "ops/restore_source.h"

#include <gtest/gtest.h>

#include <map>

namespace cv::ops {
namespace {

BackupRecord Rec(const std::string& id, const std::string& tag, int host) {
  BackupRecord r;
  r.backup_id = id;
  r.tag = tag;
  r.host_id = "h" + std::to_string(host);
  r.address = "10.0.0." + std::to_string(host);
  r.data_center = "dc1";
  for (int m = 1; m <= 3; ++m)
    r.members.push_back({"h" + std::to_string(m), "10.0.0." + std::to_string(m), "dc1", "r1"});
  return r;
}

class PickClusterTag : public ::testing::Test {
 protected:
  std::vector<BackupRecord> records = {
      Rec("20261206T0100Z-1", "nightly", 1), Rec("20261206T0100Z-2", "nightly", 2),
      Rec("20261206T0100Z-3", "nightly", 3), Rec("20261205T0100Z-1", "older", 1),
      // A rerun of the slot on node 2: the newest wins.
      Rec("20261206T0105Z-2", "nightly", 2)};
  std::map<std::string, std::vector<std::string>> tokens = {
      {"h1", {"-100", "5"}}, {"h2", {"-50", "7"}}, {"h3", {"10", "900"}}};
  size_t manifests_read = 0;
  TokensOf tokens_of = [this](const BackupRecord& r) -> Result<std::vector<std::string>> {
    ++manifests_read;
    return tokens[r.host_id];
  };
};

TEST_F(PickClusterTag, ByHostIdWithoutReadingAManifest) {
  auto p = PickClusterTagBackup("nightly", records, {"h2", "10.9.9.9", {"1"}}, tokens_of);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->record.backup_id, "20261206T0105Z-2");
  EXPECT_EQ(p->matched_by, "host id");
  EXPECT_EQ(
      p->line,
      "cluster tag nightly: backup 20261206T0105Z-2 of node 10.0.0.2 (host id h2), this node's by host id");
  EXPECT_EQ(manifests_read, 0u);
}

TEST_F(PickClusterTag, ByTokensWhenHostIdsChanged) {
  // A new cluster: other host ids and addresses, the same tokens (in another order).
  auto p = PickClusterTagBackup("nightly", records, {"new-3", "10.1.0.3", {"900", "10"}}, tokens_of);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->record.host_id, "h3");
  EXPECT_EQ(p->matched_by, "tokens");
  EXPECT_EQ(manifests_read, 4u);  // the tag's backups only
}

TEST_F(PickClusterTag, ByAddressForAStoppedNode) {
  auto p = PickClusterTagBackup("nightly", records, {"", "10.0.0.1", {}}, tokens_of);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->record.backup_id, "20261206T0100Z-1");
  EXPECT_EQ(p->matched_by, "address");
}

TEST_F(PickClusterTag, PartialForThisNodeIsNamed) {
  records.erase(records.begin() + 2);  // node 3 committed nothing with "nightly"
  auto p = PickClusterTagBackup("nightly", records, {"h3", "10.0.0.3", {"11"}}, tokens_of);
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(p.status().ToString().find("cluster tag nightly: is partial for this node (host id h3, address "
                                       "10.0.0.3, 1 token)"),
            std::string::npos)
      << p.status().ToString();
}

TEST_F(PickClusterTag, NoneMatchesOrUnknownTagIsNotFound) {
  auto p = PickClusterTagBackup("nightly", records, {"h9", "10.0.0.9", {"1"}}, tokens_of);
  EXPECT_EQ(p.status().code(), StatusCode::kNotFound);
  EXPECT_NE(p.status().ToString().find("holds backups of 10.0.0.1 (host id h1), 10.0.0.2 (host id h2)"),
            std::string::npos)
      << p.status().ToString();
  auto none = PickClusterTagBackup("weekly", records, {"h1", "", {}}, tokens_of);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().ToString().find("no backup in this vault has this tag"), std::string::npos);
}

// Two nodes' backups with the same tokens (two clusters of one vault, same tag): no guess.
TEST_F(PickClusterTag, TokensOfSeveralNodesAreAmbiguous) {
  BackupRecord other = Rec("20261206T0100Z-7", "nightly", 7);
  records.push_back(other);
  tokens["h7"] = tokens["h3"];
  auto p = PickClusterTagBackup("nightly", records, {"", "10.1.0.3", {"10", "900"}}, tokens_of);
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().ToString().find("match backups of several nodes: 20261206T0100Z-3 (10.0.0.3), "
                                       "20261206T0100Z-7 (10.0.0.7); restore one of them with --backup ID"),
            std::string::npos)
      << p.status().ToString();
  // The host id, when known, is never ambiguous.
  auto by_id = PickClusterTagBackup("nightly", records, {"h7", "10.1.0.3", {"10", "900"}}, tokens_of);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->record.host_id, "h7");
}

TEST_F(PickClusterTag, AManifestThatCannotBeReadStopsThePick) {
  tokens_of = [](const BackupRecord&) -> Result<std::vector<std::string>> {
    return Status::Corruption("manifests/x", "does not open");
  };
  auto p = PickClusterTagBackup("nightly", records, {"new", "10.1.0.1", {"5"}}, tokens_of);
  EXPECT_EQ(p.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cv::ops
