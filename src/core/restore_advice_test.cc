#include "core/restore_advice.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

TEST(RestoreAdviceTest, ReplicationFactorFromKeyspaceStatement) {
  EXPECT_EQ(
      MaxReplicationFactor("CREATE KEYSPACE ks WITH replication = {'class': "
                           "'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '1'} AND "
                           "durable_writes = true;"),
      1);
  EXPECT_EQ(MaxReplicationFactor("CREATE KEYSPACE ks WITH replication = {'class': "
                                 "'NetworkTopologyStrategy', 'dc1': '2', 'dc2': '3/1'};"),
            3);
  EXPECT_EQ(MaxReplicationFactor("CREATE KEYSPACE ks"), 0);
}

TEST(RestoreAdviceTest, OfflineRestoreSaysStartOrderTokensAndRepair) {
  AdviceInputs in;
  in.node = "127.0.0.1";
  in.tokens = {"-5", "7"};
  in.tokens_match = true;
  in.yaml_path = "/etc/cassandra/cassandra.yaml";
  in.yaml_copy = "/etc/cassandra/cassandra.yaml.before-restore-B";
  in.replicated_keyspaces = {"ks2"};
  in.single_keyspaces = {"ks1"};
  auto steps = NextSteps(in);
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_NE(steps[0].find("seed nodes first"), std::string::npos);
  EXPECT_NE(steps[1].find("cassandra.yaml.before-restore-B"), std::string::npos);
  EXPECT_NE(steps[2].find("-5,7"), std::string::npos);
  EXPECT_NE(steps[3].find("nodetool repair -full"), std::string::npos);
  EXPECT_NE(steps[3].find("ks2"), std::string::npos);
  EXPECT_NE(steps[4].find("no repair for ks1"), std::string::npos);
}

TEST(RestoreAdviceTest, LiveRestoreNeedsNoRestart) {
  AdviceInputs in;
  in.live = true;
  in.tokens_match = in.tokens_checked_live = true;
  in.single_keyspaces = {"ks1"};
  auto steps = NextSteps(in);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_NE(steps[0].find("no restart"), std::string::npos);
}

}  // namespace
}  // namespace cv
