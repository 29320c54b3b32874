// A backup's start-up (ops/node_partition.h): the node's partition from its alias, minted once, and a
// replacement node taking over the old node's partition through the takeover hint a restore leaves.
#include "ops/node_partition.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "backends/local/local_store.h"
#include "ops/takeover_hint.h"
#include "vault/catalog_test_util.h"
#include "vault/node_identity.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;
using vault::Vault;
using vault::testutil::FastScrypt;

std::unique_ptr<storage::ObjectStore> LocalStore(const fs::path& root, bool create = false) {
  return std::move(backends::OpenLocalStore(root.string(), create)).value();
}

NodeInfo Node(const std::string& host_id, const std::string& address) {
  NodeInfo n;
  n.host_id = host_id;
  n.address = address;
  n.data_center = "dc1";
  n.rack = "r1";
  n.cluster_name = "c";
  return n;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class NodePartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(LocalStore(root(), true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_id_ = (*v)->vault_id();
  }
  fs::path root() const { return scratch_.path() / "vault"; }
  std::string cache() const { return (scratch_.path() / "cache").string(); }
  std::unique_ptr<Vault> Open() {
    auto v = Vault::Open(LocalStore(root()), crypto::PassphraseSecret("admin"));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }
  size_t Aliases() const {
    size_t n = 0;
    if (fs::exists(root() / "nodes"))
      for (const auto& e : fs::directory_iterator(root() / "nodes")) n += e.is_regular_file();
    return n;
  }
  Result<BackupRecord> Backup(Vault& v, const std::string& host, int n, int* stored) {
    vault::testutil::NodeBackup b;
    b.backup_id = layout::MakeBackupId(1764979200 + n, "0000000a");
    b.tag = "t";
    b.host_id = host;
    b.started = 1764979200 + n;
    return vault::testutil::CommitNodeBackup(
        v, {vault::testutil::TestData(5000, 1), vault::testutil::TestData(7000, 2)}, b, stored);
  }

  vault::testutil::ScratchDir scratch_{"cv-node-partition",
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  std::string vault_id_;
};

TEST_F(NodePartitionTest, FirstBackupMintsLaterOnesFindTheSamePartition) {
  auto v = Open();
  auto first = StartNodePartition(*v, Node("host-a", "10.0.0.1"), cache());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->minted);
  EXPECT_TRUE(layout::IsValidNodeId(first->node_id));
  EXPECT_EQ(v->partition(), first->node_id);
  auto again_v = Open();
  auto again = StartNodePartition(*again_v, Node("host-a", "10.0.0.99"), cache());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->minted);
  EXPECT_EQ(again->node_id, first->node_id);
  EXPECT_EQ(again_v->partition(), first->node_id);
  auto other_v = Open();
  auto other = StartNodePartition(*other_v, Node("host-b", "10.0.0.2"), cache());
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->node_id, first->node_id);
  EXPECT_EQ(Aliases(), 2u);
}

// The replacement: restore --from-node leaves the hint; the new node's first backup takes over the old
// partition (takes_over in its alias), uses the hint up, and stores nothing the old node had stored.
TEST_F(NodePartitionTest, TakeoverHintMakesTheReplacementUseTheOldPartitionAndDedup) {
  auto old_v = Open();
  auto old = StartNodePartition(*old_v, Node("host-old", "10.0.0.1"), cache());
  ASSERT_TRUE(old.ok());
  int stored = 0;
  auto old_backup = Backup(*old_v, "host-old", 1, &stored);
  ASSERT_TRUE(old_backup.ok()) << old_backup.status().ToString();
  EXPECT_EQ(stored, 2);
  EXPECT_EQ(old_backup->node_id, old->node_id);

  ASSERT_TRUE(WriteTakeoverHint(cache(), vault_id_, old_backup->node_id).ok());
  const fs::path hint = TakeoverHintPath(cache(), vault_id_);
  struct stat st {};
  ASSERT_EQ(::stat(hint.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(cache().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto new_v = Open();
  auto repl = StartNodePartition(*new_v, Node("host-new", "10.0.0.5"), cache());
  ASSERT_TRUE(repl.ok()) << repl.status().ToString();
  EXPECT_TRUE(repl->minted);
  EXPECT_EQ(repl->node_id, old->node_id);
  EXPECT_EQ(repl->takes_over, old->node_id);
  EXPECT_EQ(new_v->partition(), old->node_id);
  EXPECT_FALSE(fs::exists(hint));  // used up
  auto alias = vault::FindNodeAlias(new_v->objects(), "host-new");
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(alias->takes_over, old->node_id);
  EXPECT_EQ(alias->address, "10.0.0.5");
  auto new_backup = Backup(*new_v, "host-new", 2, &stored);
  ASSERT_TRUE(new_backup.ok());
  EXPECT_EQ(stored, 0);  // deduplicated against the old node's blobs
  EXPECT_EQ(new_backup->stored_bytes, 0u);
  EXPECT_EQ(new_backup->node_id, old->node_id);
  // Without a hint another new node gets a partition of its own.
  auto third_v = Open();
  auto third = StartNodePartition(*third_v, Node("host-third", "10.0.0.6"), cache());
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->node_id, old->node_id);
  EXPECT_TRUE(third->takes_over.empty());
}

// A hint that is not a node id, or not private, is refused with the file named; nothing is written.
TEST_F(NodePartitionTest, BadHintIsRefusedAndChangesNothing) {
  ASSERT_TRUE(WriteTakeoverHint(cache(), vault_id_, "00000000000000a1").ok());
  const fs::path hint = TakeoverHintPath(cache(), vault_id_);
  {
    std::ofstream out(hint, std::ios::trunc);
    out << "../../etc\n";
  }
  auto v = Open();
  auto r = StartNodePartition(*v, Node("host-x", "10.0.0.1"), cache());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().ToString().find(hint.string()), std::string::npos) << r.status().ToString();
  EXPECT_EQ(Aliases(), 0u);
  EXPECT_EQ(ReadAll(hint), "../../etc\n");
  // A well-formed hint others may read or write is refused too.
  ASSERT_TRUE(WriteTakeoverHint(cache(), vault_id_, "00000000000000a1").ok());
  ASSERT_EQ(::chmod(hint.c_str(), 0644), 0);
  r = StartNodePartition(*v, Node("host-x", "10.0.0.1"), cache());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Aliases(), 0u);
  EXPECT_EQ(ReadAll(hint), "00000000000000a1\n");
  EXPECT_EQ(WriteTakeoverHint(cache(), vault_id_, "NOT-A-NODE").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteTakeoverHint(cache(), "../x", "00000000000000a1").code(), StatusCode::kInvalidArgument);
}

// No host id (an offline backup reads none) or a v1 vault: the unpartitioned layout, no alias.
TEST_F(NodePartitionTest, NoHostIdOrV1VaultMeansNoPartition) {
  auto v = Open();
  auto r = StartNodePartition(*v, Node("", "10.0.0.1"), cache());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->node_id, "");
  EXPECT_EQ(v->partition(), "");
  EXPECT_EQ(Aliases(), 0u);
  vault::testutil::ScratchDir v1_dir{"cv-node-partition-v1", "x"};
  auto v1 = Vault::Init(LocalStore(v1_dir.path(), true), crypto::PassphraseSecret("admin"), FastScrypt(), 1);
  ASSERT_TRUE(v1.ok());
  auto r1 = StartNodePartition(**v1, Node("host-a", "10.0.0.1"), cache());
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->node_id, "");
  EXPECT_FALSE(fs::exists(v1_dir.path() / "nodes"));
}

}  // namespace
}  // namespace cv::ops
