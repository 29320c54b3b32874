// Node aliases (vault/node_identity.h): a host id keeps one partition across Vault instances and keys, a
// concurrent mint converges, the alias name reveals nothing of the host id.
#include "vault/node_identity.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "backends/local/local_store.h"
#include "storage/counting_store.h"
#include "vault/catalog_test_util.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::FastScrypt;
using testutil::HookStore;

constexpr const char* kHostA = "6f1c2a4e-1111-4a8b-9c0d-000000000001";
constexpr const char* kHostB = "6f1c2a4e-2222-4a8b-9c0d-000000000002";

std::unique_ptr<storage::ObjectStore> LocalStore(const fs::path& root, bool create = false) {
  return std::move(backends::OpenLocalStore(root.string(), create)).value();
}

NodeAlias Wanted(const char* host) {
  NodeAlias a;
  a.host_id = host;
  a.address = "10.0.0.7";
  a.data_center = "dc1";
  a.rack = "r1";
  a.cluster_name = "c";
  a.created = 1764979200;
  return a;
}

class NodeIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(LocalStore(root(), true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_TRUE(
        (*v)->AddKeySlot(crypto::PassphraseSecret("writer"), FastScrypt(), crypto::KeyRole::kWriter).ok());
  }
  const fs::path& root() const { return scratch_.path(); }
  std::unique_ptr<Vault> Open(const char* pass = "admin",
                              std::unique_ptr<storage::ObjectStore> store = nullptr) {
    auto v = Vault::Open(store ? std::move(store) : LocalStore(root()), crypto::PassphraseSecret(pass));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }
  size_t Aliases() const {
    size_t n = 0;
    if (!fs::exists(root() / "nodes")) return 0;
    for (const auto& e : fs::directory_iterator(root() / "nodes")) n += e.is_regular_file();
    return n;
  }
  testutil::ScratchDir scratch_{"cv-node-id",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name()};
};

TEST_F(NodeIdentityTest, SameHostSamePartitionAcrossInstancesAndKeys) {
  auto writer = Open("writer");
  auto first = ResolveNodeAlias(writer->objects(), Wanted(kHostA), "");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->minted);
  EXPECT_TRUE(layout::IsValidNodeId(first->alias.node_id)) << first->alias.node_id;
  EXPECT_TRUE(first->alias.takes_over.empty());
  // Another instance, another key role: the same alias, found with one Get.
  auto counted = Open("admin", std::make_unique<storage::CountingStore>(LocalStore(root())));
  auto& store = static_cast<storage::CountingStore&>(counted->store());
  store.Reset();
  auto again = ResolveNodeAlias(counted->objects(), Wanted(kHostA), "");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->minted);
  EXPECT_EQ(again->alias.node_id, first->alias.node_id);
  EXPECT_EQ(again->alias.address, "10.0.0.7");
  // One read of one object, no listing, no Stat: one request (the store's GetUpTo).
  EXPECT_EQ(store.counts().gets, 1u);
  EXPECT_EQ(store.counts().Requests(), 1u);
  // Another host id: another partition.
  auto other = ResolveNodeAlias(writer->objects(), Wanted(kHostB), "");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->minted);
  EXPECT_NE(other->alias.node_id, first->alias.node_id);
  EXPECT_EQ(Aliases(), 2u);
  // The alias names reveal no host id: 32 hex of a keyed hash, the same from every key role.
  auto key_a = NodeAliasKeyFor(writer->keys(), kHostA);
  ASSERT_TRUE(key_a.ok());
  EXPECT_EQ(*key_a, *NodeAliasKeyFor(counted->keys(), kHostA));
  EXPECT_EQ(key_a->size(), std::string("nodes/").size() + 32);
  EXPECT_EQ(key_a->find("6f1c2a4e"), std::string::npos);
  EXPECT_TRUE(fs::exists(root() / *key_a));
}

TEST_F(NodeIdentityTest, AnotherVaultNamesTheSameHostDifferently) {
  testutil::ScratchDir other_dir{"cv-node-id-other", "x"};
  auto other =
      Vault::Init(LocalStore(other_dir.path(), true), crypto::PassphraseSecret("admin"), FastScrypt());
  ASSERT_TRUE(other.ok());
  auto mine = Open();
  EXPECT_NE(*NodeAliasKeyFor(mine->keys(), kHostA), *NodeAliasKeyFor((*other)->keys(), kHostA));
}

// Two backups of the same node minting at once converge: the second Put finds the first's alias.
TEST_F(NodeIdentityTest, ConcurrentMintConverges) {
  auto twin = Open();
  auto hook_owner = std::make_unique<HookStore>(LocalStore(root()));
  HookStore* hook = hook_owner.get();
  auto v = Open("writer", std::move(hook_owner));
  std::string twin_node;
  // Between our Get (NotFound) and our Put, the twin mints.
  hook->before_put = [&](std::string_view key) {
    if (!key.starts_with("nodes/")) return Status::OK();
    hook->before_put = nullptr;
    auto t = ResolveNodeAlias(twin->objects(), Wanted(kHostA), "");
    if (!t.ok()) return t.status();
    EXPECT_TRUE(t->minted);
    twin_node = t->alias.node_id;
    return Status::OK();
  };
  auto r = ResolveNodeAlias(v->objects(), Wanted(kHostA), "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->minted);
  ASSERT_FALSE(twin_node.empty());
  EXPECT_EQ(r->alias.node_id, twin_node);
  EXPECT_EQ(Aliases(), 1u);
  // And with real threads: every one of them ends on one node id.
  std::vector<std::unique_ptr<Vault>> vaults;
  vaults.reserve(4);
  for (int i = 0; i < 4; ++i) vaults.push_back(Open());
  std::vector<std::string> ids(vaults.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < vaults.size(); ++i) {
    threads.emplace_back([&, i] {
      auto t = ResolveNodeAlias(vaults[i]->objects(), Wanted(kHostB), "");
      ids[i] = t.ok() ? t->alias.node_id : t.status().ToString();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_TRUE(layout::IsValidNodeId(ids[0])) << ids[0];
  EXPECT_EQ(Aliases(), 2u);
}

TEST_F(NodeIdentityTest, TakeoverNamesTheOldPartitionAndAHostKeepsItsOwn) {
  auto v = Open();
  auto old = ResolveNodeAlias(v->objects(), Wanted(kHostA), "");
  ASSERT_TRUE(old.ok());
  auto repl = ResolveNodeAlias(v->objects(), Wanted(kHostB), old->alias.node_id);
  ASSERT_TRUE(repl.ok());
  EXPECT_TRUE(repl->minted);
  EXPECT_EQ(repl->alias.node_id, old->alias.node_id);
  EXPECT_EQ(repl->alias.takes_over, old->alias.node_id);
  auto found = FindNodeAlias(Open()->objects(), kHostB);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->takes_over, old->alias.node_id);
  // A host id keeps its partition: a later takeover hint does not move it.
  auto kept = ResolveNodeAlias(v->objects(), Wanted(kHostA), "00000000000000ff");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->alias.node_id, old->alias.node_id);
  EXPECT_FALSE(kept->minted);
  // A malformed takeover id is refused and writes nothing.
  auto bad = ResolveNodeAlias(v->objects(), Wanted("6f1c2a4e-3333-4a8b-9c0d-000000000003"), "NOT-A-NODE");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Aliases(), 2u);
}

// An alias moved onto another host's name does not open (its AAD binds its name).
TEST_F(NodeIdentityTest, AnAliasCopiedUnderAnotherNameDoesNotOpen) {
  auto v = Open();
  ASSERT_TRUE(ResolveNodeAlias(v->objects(), Wanted(kHostA), "").ok());
  std::string a = *NodeAliasKeyFor(v->keys(), kHostA), b = *NodeAliasKeyFor(v->keys(), kHostB);
  fs::copy_file(root() / a, root() / b);
  auto found = FindNodeAlias(v->objects(), kHostB);
  EXPECT_EQ(found.status().code(), StatusCode::kCorruption) << found.status().ToString();
  // And a backup of host B refuses to go on rather than mint over it.
  auto r = ResolveNodeAlias(v->objects(), Wanted(kHostB), "");
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

TEST_F(NodeIdentityTest, V1VaultHasNoAliases) {
  testutil::ScratchDir v1_dir{"cv-node-id-v1", "x"};
  auto v1 = Vault::Init(LocalStore(v1_dir.path(), true), crypto::PassphraseSecret("admin"), FastScrypt(), 1);
  ASSERT_TRUE(v1.ok());
  auto r = ResolveNodeAlias((*v1)->objects(), Wanted(kHostA), "");
  EXPECT_EQ(r.status().code(), StatusCode::kNotSupported);
  EXPECT_FALSE(fs::exists(v1_dir.path() / "nodes"));
}

}  // namespace
}  // namespace cv::vault
