#include "core/token_plan.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

// A function, not a global vector: nothing that allocates runs before main.
std::vector<std::string> Backup() {
  return {"4976080077577361300", "-9123371812534796454", "165730118335461866", "-6232327431150721616"};
}

TokenInputs Inputs(TargetTokens target) {
  TokenInputs in;
  in.backup_tokens = Backup();
  in.target = target;
  in.yaml_num_tokens = 4;
  in.node = "127.0.0.1";
  in.backup_id = "B1";
  return in;
}

TEST(TokenPlanTest, TokensSortNumericallyAndParseFromYaml) {
  EXPECT_EQ(SortTokens({"10", "-5", "9", "-10"}), (std::vector<std::string>{"-10", "-5", "9", "10"}));
  EXPECT_EQ(ParseTokenList(" 3,-1 , 20,"), (std::vector<std::string>{"-1", "3", "20"}));
  EXPECT_TRUE(ParseTokenList("").empty());
  EXPECT_TRUE(SameTokens({"1", "2"}, {"2", "1"}));
  EXPECT_FALSE(SameTokens({"1", "2"}, {"1"}));
}

TEST(TokenPlanTest, AnotherNodesBackupIsRefusedNamingBoth) {
  Status s = CheckBackupNode({"h2", "127.0.0.2"}, {"", "127.0.0.1"}, "", "B2");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.ToString().find("127.0.0.2"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("this node is 127.0.0.1"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("--from-node 127.0.0.2"), std::string::npos) << s.ToString();
  // Same address (rebuilt in place, new host id) or same host id: the node's own backup.
  EXPECT_TRUE(CheckBackupNode({"h1", "127.0.0.1"}, {"h9", "127.0.0.1"}, "", "B").ok());
  EXPECT_TRUE(CheckBackupNode({"h1", "10.0.0.1"}, {"h1", "10.0.0.9"}, "", "B").ok());
  // --from-node must name the backup's node, by host id or address.
  EXPECT_TRUE(CheckBackupNode({"h2", "127.0.0.2"}, {"", "127.0.0.1"}, "h2", "B").ok());
  EXPECT_TRUE(CheckBackupNode({"h2", "127.0.0.2"}, {"", "127.0.0.1"}, "127.0.0.2", "B").ok());
  EXPECT_EQ(CheckBackupNode({"h2", "127.0.0.2"}, {"", "127.0.0.1"}, "127.0.0.3", "B").code(),
            StatusCode::kInvalidArgument);
}

TEST(TokenPlanTest, OtherPartitionerIsRefused) {
  EXPECT_TRUE(
      CheckPartitioner("org.apache.cassandra.dht.Murmur3Partitioner", "Murmur3Partitioner", "n").ok());
  Status s = CheckPartitioner("org.apache.cassandra.dht.Murmur3Partitioner",
                              "org.apache.cassandra.dht.RandomPartitioner", "node 127.0.0.1");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.ToString().find("RandomPartitioner"), std::string::npos);
  EXPECT_NE(s.ToString().find("Murmur3Partitioner"), std::string::npos);
}

TEST(TokenPlanTest, FreshNodeGetsTheBackupsTokensInItsYaml) {
  auto plan = PlanTokens(Inputs(TargetTokens::kFresh));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->write_yaml);
  EXPECT_TRUE(plan->tokens_match);
  EXPECT_EQ(plan->num_tokens, 4);
  EXPECT_EQ(plan->initial_token,
            "-9123371812534796454,-6232327431150721616,165730118335461866,4976080077577361300");
}

TEST(TokenPlanTest, FreshNodeGetsSystemLocalBackOnlyWhenSound) {
  auto in = Inputs(TargetTokens::kFresh);
  in.backup_has_system_local = in.whole_node = in.same_cluster_name = true;
  in.backup_host_id = "h1";
  EXPECT_TRUE(PlanTokens(in)->restore_system_local);
  auto partial = in;
  partial.whole_node = false;  // --keyspace: a partial restore never touches system keyspaces
  EXPECT_FALSE(PlanTokens(partial)->restore_system_local);
  auto other_cluster = in;
  other_cluster.same_cluster_name = false;  // Cassandra refuses a saved cluster name that differs
  EXPECT_FALSE(PlanTokens(other_cluster)->restore_system_local);
  auto separate = in;
  separate.separate_system_dir = true;
  EXPECT_FALSE(PlanTokens(separate)->restore_system_local);
  auto topo = in;
  topo.topology_change = true;
  EXPECT_FALSE(PlanTokens(topo)->restore_system_local);
  auto running = in;
  running.target = TargetTokens::kRunning;
  running.live_tokens = Backup();
  EXPECT_FALSE(PlanTokens(running)->restore_system_local);
}

TEST(TokenPlanTest, NewClusterTakesTheTokensButNeverTheHostId) {
  // --node-map, even with the same cluster name: a new cluster gets its own host ids.
  auto in = Inputs(TargetTokens::kFresh);
  in.backup_has_system_local = in.whole_node = in.same_cluster_name = in.new_cluster = true;
  in.backup_host_id = "h1";
  auto plan = PlanTokens(in);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->restore_system_local);
  EXPECT_TRUE(plan->write_yaml);
  EXPECT_TRUE(plan->tokens_match);
  EXPECT_EQ(plan->num_tokens, 4);
  bool said = false;
  for (const auto& l : plan->lines) said = said || l.find("a new cluster (--node-map)") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(TokenPlanTest, FreshNodeWhoseYamlAlreadyNamesThemIsLeftAlone) {
  auto in = Inputs(TargetTokens::kFresh);
  in.yaml_initial_tokens = ParseTokenList(
      "165730118335461866,4976080077577361300,-9123371812534796454,"
      "-6232327431150721616");
  in.yaml_auto_bootstrap = "false";
  auto plan = PlanTokens(in);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->write_yaml);
  EXPECT_TRUE(plan->tokens_match);
  // Without auto_bootstrap: false a non-seed node would stream on its first start: the yaml is edited.
  in.yaml_auto_bootstrap = "";
  EXPECT_TRUE(PlanTokens(in)->write_yaml);
}

TEST(TokenPlanTest, RunningNodeWithOtherTokensIsRefusedUnlessTopologyChange) {
  auto in = Inputs(TargetTokens::kRunning);
  in.live_tokens = Backup();
  EXPECT_TRUE(PlanTokens(in)->tokens_match);
  in.live_tokens = {"1", "2", "3", "4"};
  auto refused = PlanTokens(in);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().ToString().find("--topology-change"), std::string::npos);
  in.topology_change = true;
  auto forced = PlanTokens(in);
  ASSERT_TRUE(forced.ok());
  EXPECT_FALSE(forced->tokens_match);
  EXPECT_FALSE(forced->write_yaml);
}

TEST(TokenPlanTest, InitialisedNodeIsJudgedByWhatItMustHaveStored) {
  auto in = Inputs(TargetTokens::kInitialised);
  EXPECT_TRUE(PlanTokens(in)->tokens_match);  // older than the backup, sized alike
  in.initialised_after_backup = true;         // set up again after the backup: new random tokens
  EXPECT_EQ(PlanTokens(in).status().code(), StatusCode::kFailedPrecondition);
  in.initialised_after_backup = false;
  in.yaml_num_tokens = 16;
  EXPECT_EQ(PlanTokens(in).status().code(), StatusCode::kFailedPrecondition);
  in.yaml_initial_tokens = Backup();  // started with the backup's tokens named
  EXPECT_TRUE(PlanTokens(in).ok());
  in.yaml_initial_tokens = {"1", "2", "3", "4"};
  EXPECT_EQ(PlanTokens(in).status().code(), StatusCode::kFailedPrecondition);
  for (auto t : {TargetTokens::kInitialised, TargetTokens::kRunning}) {
    auto never_write = Inputs(t);
    never_write.topology_change = true;
    never_write.yaml_initial_tokens = {"1"};
    EXPECT_FALSE(PlanTokens(never_write)->write_yaml);
  }
}

TEST(TokenPlanTest, BackupWithoutTokensIsNotGuessed) {
  auto in = Inputs(TargetTokens::kFresh);
  in.backup_tokens.clear();
  auto plan = PlanTokens(in);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->write_yaml);
  EXPECT_FALSE(plan->tokens_match);
}

}  // namespace
}  // namespace cv
