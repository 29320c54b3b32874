// Policies in the vault (vault/policy_store.h): admin-signed versions, refused from a writer key, forged or
// copied versions skipped without hiding a valid one, a poll that reads only what is new.
#include "vault/policy_store.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/counting_store.h"
#include "vault/catalog_test_util.h"
#include "vault/signed_object.h"
#include "vault/vault_objects_test_util.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::FastScrypt;
using testutil::FilesUnder;
using testutil::LocalStoreAt;
using PolicyStoreTest = testutil::TwoKeyVaultTest;
using layout::ObjectKind;

constexpr int64_t kNow = 1764979200;  // 2025-12-06T00:00:00Z

bool Named(const Vault& v, const std::string& key) {
  for (const auto& p : v.Problems()) {
    if (p.object == key) return true;
  }
  return false;
}

TEST_F(PolicyStoreTest, SetHistoryCurrentAndRemove) {
  auto admin = Open();
  EXPECT_FALSE(admin->opened_slot().empty());
  EXPECT_EQ(admin->opened_slot(), admin_slot_);
  const std::string by = "key slot " + admin->opened_slot() + " (admin) on root@h1";
  auto a1 = admin->policies().Set("nightly", R"({"v":1})", by, kNow);
  ASSERT_TRUE(a1.ok()) << a1.status().ToString();
  EXPECT_EQ(a1->version, 1u);
  auto a2 = admin->policies().Set("nightly", R"({"v":2})", by, kNow + 60);
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->version, 2u);
  ASSERT_TRUE(admin->policies().Set("hourly", R"({"h":1})", by, kNow + 120).ok());
  EXPECT_EQ(FilesUnder(root(), "policies"),
            (std::vector<std::string>{"policies/hourly/0000000001", "policies/nightly/0000000001",
                                      "policies/nightly/0000000002"}));

  // A writer key (what every node holds) reads them.
  auto writer = Open("writer");
  EXPECT_EQ(writer->opened_slot(), writer_slot_);
  EXPECT_EQ(writer->OpenedBy(), "key slot " + writer_slot_ + " (writer)");
  EXPECT_EQ(admin->OpenedBy(), "key slot " + admin_slot_ + " (admin)");
  auto current = writer->policies().Current();
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  ASSERT_EQ(current->size(), 2u);
  EXPECT_EQ((*current)[0].name, "hourly");
  EXPECT_EQ((*current)[1].name, "nightly");
  EXPECT_EQ((*current)[1].version, 2u);
  EXPECT_EQ((*current)[1].body, R"({"v":2})");
  EXPECT_EQ((*current)[1].set_by, by);
  EXPECT_EQ((*current)[1].set_at, kNow + 60);

  auto history = writer->policies().History("nightly");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].body, R"({"v":1})");
  EXPECT_EQ((*history)[1].body, R"({"v":2})");

  auto removed = admin->policies().Remove("nightly", by, kNow + 180);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->version, 3u);
  EXPECT_TRUE(removed->removed);
  current = writer->policies().Current();
  ASSERT_TRUE(current.ok());
  ASSERT_EQ(current->size(), 1u);
  EXPECT_EQ((*current)[0].name, "hourly");
  history = writer->policies().History("nightly");
  ASSERT_EQ(history->size(), 3u);
  EXPECT_TRUE((*history)[2].removed);
  // Removing again: nothing to remove, nothing written.
  auto again = admin->policies().Remove("nightly", by, kNow + 240);
  ASSERT_EQ(again.status().code(), StatusCode::kNotFound);
  EXPECT_NE(again.status().message().find("policy nightly"), std::string::npos);
  EXPECT_EQ(FilesUnder(root(), "policies/nightly").size(), 3u);
  // Set again after a removal: a new version, current again.
  auto back = admin->policies().Set("nightly", R"({"v":4})", by, kNow + 300);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->version, 4u);
  EXPECT_EQ(writer->policies().Current()->size(), 2u);
  EXPECT_TRUE(writer->Problems().empty());
}

TEST_F(PolicyStoreTest, BadNameOrBodyRefusedWithNothingWritten) {
  auto admin = Open();
  auto bad = admin->policies().Set("night/ly", "{}", "x", kNow);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("policy name \"night/ly\""), std::string::npos);
  auto big = admin->policies().Set("nightly", std::string(40 << 10, 'x'), "x", kNow);
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  // Within the body's bound but not once escaped: refused, not written unreadable.
  auto quotes = admin->policies().Set("nightly", std::string(32 << 10, '"'), "x", kNow);
  EXPECT_EQ(quotes.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(quotes.status().message().find("more than a policy can hold"), std::string::npos)
      << quotes.status().message();
  EXPECT_FALSE(fs::exists(root() / "policies"));
}

// Two admins setting the same policy at once: the second create-only write finds the number taken, lists
// again and takes the next one. Both versions are kept, in order.
TEST_F(PolicyStoreTest, ConcurrentAdminsTakeSuccessiveVersions) {
  auto other = Open();
  ASSERT_TRUE(other->policies().Set("nightly", R"({"v":1})", "b", kNow).ok());
  auto hook_owner = std::make_unique<testutil::HookStore>(LocalStoreAt(root()));
  testutil::HookStore* hook = hook_owner.get();
  auto admin = Open("admin", std::move(hook_owner));
  hook->before_put = [&](std::string_view key) {
    if (key == layout::PolicyKey("nightly", 2)) {
      hook->before_put = nullptr;
      EXPECT_EQ(other->policies().Set("nightly", R"({"by":"b"})", "b", kNow + 1)->version, 2u);
    }
    return Status::OK();
  };
  auto mine = admin->policies().Set("nightly", R"({"by":"a"})", "a", kNow + 2);
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(mine->version, 3u);
  EXPECT_EQ(FilesUnder(root(), "policies/nightly").size(), 3u);
  auto history = admin->policies().History("nightly");
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[1].set_by, "b");
  EXPECT_EQ((*history)[2].set_by, "a");
  EXPECT_EQ(admin->policies().Current()->at(0).body, R"({"by":"a"})");
}

TEST_F(PolicyStoreTest, WriterKeySetRefusedBeforeAnythingIsWritten) {
  auto writer = Open("writer");
  auto set = writer->policies().Set("nightly", "{}", "key slot w (writer)", kNow);
  ASSERT_EQ(set.status().code(), StatusCode::kPermissionDenied) << set.status().ToString();
  EXPECT_NE(set.status().message().find("needs an admin key"), std::string::npos) << set.status().message();
  EXPECT_NE(set.status().message().find("writer key"), std::string::npos);
  EXPECT_NE(set.status().message().find("Nothing was written"), std::string::npos);
  auto rm = writer->policies().Remove("nightly", "w", kNow);
  EXPECT_EQ(rm.status().code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(fs::exists(root() / "policies"));
}

// A writer key can seal an object under policies/ (it holds the metadata root) but cannot sign it: its
// "newer version" is skipped and named, and the older valid version stays current.
TEST_F(PolicyStoreTest, ForgedNewerVersionSkippedAndNamedOlderValidStaysCurrent) {
  auto admin = Open();
  ASSERT_TRUE(admin->policies().Set("nightly", R"({"v":1})", "admin", kNow).ok());
  auto writer = Open("writer");
  const std::string forged_key = layout::PolicyKey("nightly", 2);
  nlohmann::json j = {{"name", "nightly"}, {"version", 2},          {"removed", false},
                      {"set_at", kNow},    {"set_by", "the admin"}, {"body", R"({"v":"evil"})"}};
  std::string payload = j.dump();
  std::vector<uint8_t> plain(64, 0);  // no signature the admin key made
  plain.insert(plain.end(), payload.begin(), payload.end());
  ASSERT_TRUE(writer->objects().PutSealed(ObjectKind::kPolicy, forged_key, plain).ok());
  // A removal forged the same way must not end the policy either.
  nlohmann::json rm = {{"name", "nightly"}, {"version", 3},  {"removed", true},
                       {"set_at", kNow},    {"set_by", "x"}, {"body", ""}};
  payload = rm.dump();
  plain.assign(64, 1);
  plain.insert(plain.end(), payload.begin(), payload.end());
  ASSERT_TRUE(writer->objects().PutSealed(ObjectKind::kPolicy, layout::PolicyKey("nightly", 3), plain).ok());

  auto reader = Open("writer");
  auto current = reader->policies().Current();
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  ASSERT_EQ(current->size(), 1u);
  EXPECT_EQ((*current)[0].version, 1u);
  EXPECT_EQ((*current)[0].body, R"({"v":1})");
  EXPECT_TRUE(Named(*reader, forged_key));
  EXPECT_TRUE(Named(*reader, layout::PolicyKey("nightly", 3)));
  auto history = reader->policies().History("nightly");
  ASSERT_EQ(history->size(), 1u);
  // The admin's next version takes the next free number; it is current.
  auto next = admin->policies().Set("nightly", R"({"v":4})", "admin", kNow + 60);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->version, 4u);
  EXPECT_EQ(reader->policies().Current()->at(0).body, R"({"v":4})");
}

// A valid signed version copied (by a writer key: open, re-seal) under another policy's name, or as a newer
// version of its own policy (a replay of an old setting), fails its signature: the signature binds the name.
// Copied byte for byte, it does not even open (the seal binds the name), nor in another vault.
TEST_F(PolicyStoreTest, CopiedPolicyObjectUnderAnotherNameOrVaultRefused) {
  auto admin = Open();
  ASSERT_TRUE(admin->policies().Set("nightly", R"({"keyspaces":["a"]})", "admin", kNow).ok());
  ASSERT_TRUE(admin->policies().Set("nightly", R"({"keyspaces":["a","b"]})", "admin", kNow + 1).ok());
  auto writer = Open("writer");
  auto plain = writer->objects().GetSealed(ObjectKind::kPolicy, layout::PolicyKey("nightly", 1));
  ASSERT_TRUE(plain.ok());
  // Re-sealed under another name: the old setting replayed as version 3, and as another policy.
  const std::string replay = layout::PolicyKey("nightly", 3), other = layout::PolicyKey("weekly", 1);
  ASSERT_TRUE(writer->objects().PutSealed(ObjectKind::kPolicy, replay, *plain).ok());
  ASSERT_TRUE(writer->objects().PutSealed(ObjectKind::kPolicy, other, *plain).ok());
  // Byte for byte under another name.
  std::vector<uint8_t> raw;
  ASSERT_TRUE(
      writer->objects().Read(ObjectKind::kPolicy, layout::PolicyKey("nightly", 1), std::nullopt, &raw).ok());
  const std::string copied = layout::PolicyKey("daily", 1);
  ASSERT_TRUE(writer->store().Put(copied, raw).ok());

  auto reader = Open("writer");
  auto current = reader->policies().Current();
  ASSERT_TRUE(current.ok());
  ASSERT_EQ(current->size(), 1u);  // nightly v2 only: no "weekly", no "daily", no replayed v3
  EXPECT_EQ((*current)[0].name, "nightly");
  EXPECT_EQ((*current)[0].version, 2u);
  EXPECT_EQ((*current)[0].body, R"({"keyspaces":["a","b"]})");
  for (const auto& k : {replay, other, copied}) EXPECT_TRUE(Named(*reader, k)) << k;
  for (const auto& p : reader->Problems()) {
    if (p.object == replay) {
      EXPECT_NE(p.problem.find("not signed by this vault's admin key"), std::string::npos) << p.problem;
    }
    if (p.object == copied) {
      EXPECT_NE(p.problem.find("does not decrypt"), std::string::npos) << p.problem;
    }
  }

  // Into another vault, byte for byte: it does not open there (another vault id, another root).
  testutil::ScratchDir other_dir{"cv-vobj-other", "x"};
  auto second =
      Vault::Init(LocalStoreAt(other_dir.path(), true), crypto::PassphraseSecret("admin"), FastScrypt());
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE((*second)->store().Put(layout::PolicyKey("nightly", 1), raw).ok());
  auto theirs = (*second)->policies().Current();
  ASSERT_TRUE(theirs.ok());
  EXPECT_TRUE(theirs->empty());
  EXPECT_TRUE(Named(**second, layout::PolicyKey("nightly", 1)));
}

// The signed message names the vault: the same payload signed for another vault id does not verify here.
TEST_F(PolicyStoreTest, SignedMessageBindsVaultKindNameAndPayload) {
  auto admin = Open();
  const std::string key = layout::PolicyKey("a", 1);
  const std::string m = SignedMessage(admin->keys(), ObjectKind::kPolicy, key, "{}");
  EXPECT_NE(m, SignedMessage(admin->keys(), ObjectKind::kLock, key, "{}"));
  EXPECT_NE(m, SignedMessage(admin->keys(), ObjectKind::kPolicy, layout::PolicyKey("a", 2), "{}"));
  EXPECT_NE(m, SignedMessage(admin->keys(), ObjectKind::kPolicy, key, "{ }"));
  EXPECT_NE(m.find(admin->vault_id()), std::string::npos);
}

TEST_F(PolicyStoreTest, PollReadsOnlyNewVersions) {
  auto admin = Open();
  ASSERT_TRUE(admin->policies().Set("nightly", R"({"v":1})", "admin", kNow).ok());
  ASSERT_TRUE(admin->policies().Set("hourly", R"({"h":1})", "admin", kNow).ok());
  auto counted = Open("writer", std::make_unique<storage::CountingStore>(LocalStoreAt(root())));
  auto& store = static_cast<storage::CountingStore&>(counted->store());
  std::map<std::string, PolicyVersion> known;
  store.Reset();
  auto first = counted->policies().Poll(&known);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 2u);
  EXPECT_EQ(store.counts().lists, 1u);
  EXPECT_EQ(store.counts().gets, 2u);
  store.Reset();
  auto second = counted->policies().Poll(&known);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->size(), 2u);
  EXPECT_EQ(store.counts().Requests(), 1u);  // the LIST only
  // A new version and a forged one: each read once, the forged one never again.
  ASSERT_TRUE(admin->policies().Set("nightly", R"({"v":2})", "admin", kNow + 60).ok());
  std::vector<uint8_t> junk(80, 7);
  ASSERT_TRUE(counted->objects().PutSealed(ObjectKind::kPolicy, layout::PolicyKey("hourly", 2), junk).ok());
  store.Reset();
  auto third = counted->policies().Poll(&known);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(store.counts().lists, 1u);
  EXPECT_EQ(store.counts().gets, 2u);
  ASSERT_EQ(third->size(), 2u);
  EXPECT_EQ((*third)[0].body, R"({"h":1})");
  EXPECT_EQ((*third)[1].body, R"({"v":2})");
  store.Reset();
  ASSERT_TRUE(counted->policies().Poll(&known).ok());
  EXPECT_EQ(store.counts().Requests(), 1u);
  // The same answer as Current().
  auto current = counted->policies().Current();
  ASSERT_TRUE(current.ok());
  ASSERT_EQ(current->size(), 2u);
  EXPECT_EQ((*current)[1].version, 2u);
}

TEST(PolicyStoreV1Test, FormatOneVaultNotSupported) {
  testutil::ScratchDir dir{"cv-vobj-v1", "x"};
  auto v = Vault::Init(LocalStoreAt(dir.path(), true), crypto::PassphraseSecret("p"), FastScrypt(), 1);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_FALSE((*v)->opened_slot().empty());
  auto set = (*v)->policies().Set("nightly", "{}", "x", kNow);
  ASSERT_EQ(set.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(
      set.status().message().find("a format 1 vault has no admin key to sign policies; use a node-local "
                                  "policy file (docs/policies.md)"),
      std::string::npos)
      << set.status().message();
  EXPECT_EQ((*v)->policies().Current().status().code(), StatusCode::kNotSupported);
  EXPECT_FALSE(fs::exists(dir.path() / "policies"));
  auto reopened = Vault::Open(LocalStoreAt(dir.path()), crypto::PassphraseSecret("p"));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->opened_slot(), (*v)->opened_slot());
  EXPECT_EQ((*reopened)->OpenedBy(), "key slot " + (*v)->opened_slot());
}

}  // namespace
}  // namespace cv::vault
