#include "cassandra/yaml_edit.h"

#include <gtest/gtest.h>

namespace cv::cassandra {
namespace {

constexpr char kYaml[] =
    "# my cluster\n"
    "cluster_name: 'prod'\n"
    "num_tokens: 16   # shipped default\n"
    "# initial_token: 1\n"
    "allocate_tokens_for_local_replication_factor: 3\n"
    "seed_provider:\n"
    "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n"
    "    parameters:\n"
    "      - seeds: \"10.0.0.1:7000\"\n"
    "initial_token:\n"
    "  -9,\n"
    "  7\n"
    "partitioner: org.apache.cassandra.dht.Murmur3Partitioner\n";

TEST(YamlEditTest, ReplacesKeysInPlaceAndKeepsEverythingElse) {
  auto out = SetTopLevelScalars(
      kYaml, {{"num_tokens", "4"}, {"initial_token", "'-5,1,2,3'"}, {"auto_bootstrap", "false"}},
      "set by cassvault", "cassandra.yaml");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "# my cluster\n"
            "cluster_name: 'prod'\n"
            "num_tokens: 4\n"
            "# initial_token: 1\n"
            "allocate_tokens_for_local_replication_factor: 3\n"
            "seed_provider:\n"
            "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n"
            "    parameters:\n"
            "      - seeds: \"10.0.0.1:7000\"\n"
            "initial_token: '-5,1,2,3'\n"
            "partitioner: org.apache.cassandra.dht.Murmur3Partitioner\n"
            "\n"
            "# set by cassvault\n"
            "auto_bootstrap: false\n");
  auto keys = ReadTopLevelScalars(*out, {"initial_token", "num_tokens", "missing"}, "y");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ((*keys)["initial_token"], "-5,1,2,3");
  EXPECT_EQ((*keys)["num_tokens"], "4");
  EXPECT_EQ((*keys)["missing"], "");
}

TEST(YamlEditTest, MalformedYamlIsRefusedNotEdited) {
  auto out = SetTopLevelScalars("a: [1,\n", {{"num_tokens", "4"}}, "c", "cassandra.yaml");
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  auto keys = ReadTopLevelScalars("seed_provider: [1]\n", {"seed_provider"}, "y");
  EXPECT_EQ(keys.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cv::cassandra
