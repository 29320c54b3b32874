// Cluster aliases (vault/cluster_identity.h): a cluster name keeps one id across nodes, key roles and
// Vault instances; two nodes minting at once end on one id; the alias name reveals no cluster name.
#include "vault/cluster_identity.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "backends/local/local_store.h"
#include "storage/counting_store.h"
#include "vault/catalog_test_util.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::FastScrypt;
using testutil::HookStore;

constexpr int64_t kNow = 1765000000;

std::unique_ptr<storage::ObjectStore> LocalStore(const fs::path& root, bool create = false) {
  return std::move(backends::OpenLocalStore(root.string(), create)).value();
}

class ClusterIdentityTest : public ::testing::Test {
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
    if (!fs::exists(root() / "clusters")) return 0;
    for (const auto& e : fs::directory_iterator(root() / "clusters")) n += e.is_regular_file();
    return n;
  }
  testutil::ScratchDir scratch_{"cv-cluster-id",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name()};
};

TEST_F(ClusterIdentityTest, OneIdPerClusterNameAcrossInstancesAndKeys) {
  auto writer = Open("writer");
  auto first = ResolveClusterAlias(writer->objects(), "prod", kNow);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->minted);
  EXPECT_EQ(first->alias.cluster_id.size(), 16u);
  EXPECT_EQ(first->alias.cluster_name, "prod");
  EXPECT_EQ(first->alias.created, kNow);
  // Another instance, another key role: the same id, found with one request.
  auto counted = Open("admin", std::make_unique<storage::CountingStore>(LocalStore(root())));
  auto& store = static_cast<storage::CountingStore&>(counted->store());
  store.Reset();
  auto again = ResolveClusterAlias(counted->objects(), "prod", kNow + 60);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->minted);
  EXPECT_EQ(again->alias.cluster_id, first->alias.cluster_id);
  EXPECT_EQ(again->alias.created, kNow);
  EXPECT_EQ(store.counts().Requests(), 1u);
  // Another cluster name: another id.
  auto other = ResolveClusterAlias(writer->objects(), "staging", kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->minted);
  EXPECT_NE(other->alias.cluster_id, first->alias.cluster_id);
  EXPECT_EQ(Aliases(), 2u);
  // The name reveals no cluster name; the body is sealed (the name is not in the bytes either).
  auto key = ClusterAliasKeyFor(writer->keys(), "prod");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), std::string("clusters/").size() + 32);
  std::string bytes;
  {
    std::ifstream in(root() / *key, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find("prod"), std::string::npos);
  EXPECT_EQ(bytes.find(first->alias.cluster_id), std::string::npos);
}

// The alias race: two nodes of a new cluster back up at once; both record the id of the one alias.
TEST_F(ClusterIdentityTest, ConcurrentMintConvergesOnOneId) {
  auto twin = Open();
  auto hook_owner = std::make_unique<HookStore>(LocalStore(root()));
  HookStore* hook = hook_owner.get();
  auto v = Open("writer", std::move(hook_owner));
  std::string twin_id;
  // Between our Get (NotFound) and our Put, the other node mints.
  hook->before_put = [&](std::string_view key) {
    if (!key.starts_with("clusters/")) return Status::OK();
    hook->before_put = nullptr;
    auto t = ResolveClusterAlias(twin->objects(), "prod", kNow);
    if (!t.ok()) return t.status();
    EXPECT_TRUE(t->minted);
    twin_id = t->alias.cluster_id;
    return Status::OK();
  };
  auto r = ResolveClusterAlias(v->objects(), "prod", kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->minted);
  ASSERT_FALSE(twin_id.empty());
  EXPECT_EQ(r->alias.cluster_id, twin_id);
  EXPECT_EQ(Aliases(), 1u);
  // And with real threads: every one ends on one id.
  std::vector<std::unique_ptr<Vault>> vaults;
  vaults.reserve(4);
  for (int i = 0; i < 4; ++i) vaults.push_back(Open(i % 2 ? "writer" : "admin"));
  std::vector<std::string> ids(vaults.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < vaults.size(); ++i) {
    threads.emplace_back([&, i] {
      auto t = ResolveClusterAlias(vaults[i]->objects(), "other", kNow);
      ids[i] = t.ok() ? t->alias.cluster_id : t.status().ToString();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(ids[0].size(), 16u) << ids[0];
  EXPECT_EQ(Aliases(), 2u);
}

// An alias copied onto another cluster's name does not open (its AAD binds its name), and a backup of
// that cluster stops rather than mint over it.
TEST_F(ClusterIdentityTest, AnAliasCopiedUnderAnotherNameDoesNotOpen) {
  auto v = Open();
  ASSERT_TRUE(ResolveClusterAlias(v->objects(), "prod", kNow).ok());
  std::string a = *ClusterAliasKeyFor(v->keys(), "prod"), b = *ClusterAliasKeyFor(v->keys(), "staging");
  fs::copy_file(root() / a, root() / b);
  EXPECT_EQ(FindClusterAlias(v->objects(), "staging").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ResolveClusterAlias(v->objects(), "staging", kNow).status().code(), StatusCode::kCorruption);
}

TEST_F(ClusterIdentityTest, MalformedBodiesAndEmptyNamesAreRefused) {
  EXPECT_EQ(ClusterAliasFromJson(R"({"cluster_id":"../x","cluster_name":"p"})", "s").status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(ClusterAliasFromJson(R"({"cluster_name":"p"})", "s").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ClusterAliasFromJson("nope", "s").status().code(), StatusCode::kCorruption);
  auto ok = ClusterAliasFromJson(R"({"cluster_id":"0123456789abcdef","cluster_name":"p","created":5})", "s");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->created, 5);
  auto v = Open();
  EXPECT_EQ(ResolveClusterAlias(v->objects(), "", kNow).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Aliases(), 0u);
}

TEST_F(ClusterIdentityTest, V1VaultHasNoClusterAliases) {
  testutil::ScratchDir v1_dir{"cv-cluster-id-v1", "x"};
  auto v1 = Vault::Init(LocalStore(v1_dir.path(), true), crypto::PassphraseSecret("admin"), FastScrypt(), 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(ResolveClusterAlias((*v1)->objects(), "prod", kNow).status().code(), StatusCode::kNotSupported);
  EXPECT_FALSE(fs::exists(v1_dir.path() / "clusters"));
}

}  // namespace
}  // namespace cv::vault
