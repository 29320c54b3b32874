// Leases (vault/lease.h): one holder at a time on a create-only store, ended by expiry, renewal or release;
// a writer key can neither take one nor block one.
#include "vault/lease.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/counting_store.h"
#include "vault/catalog_test_util.h"
#include "vault/vault_objects_test_util.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::FastScrypt;
using testutil::FilesUnder;
using testutil::HookStore;
using testutil::LocalStoreAt;
using LeaseTest = testutil::TwoKeyVaultTest;
using layout::ObjectKind;

constexpr int64_t kNow = 1764979200;  // 2025-12-06T00:00:00Z

TEST_F(LeaseTest, AcquireContendRelease) {
  auto a = Open(), b = Open();
  auto held = Lease::Acquire(a->objects(), a->keys(), "maintenance", "cassvault on host-a", 600, kNow);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(held->expires(), kNow + 600);
  EXPECT_EQ(FilesUnder(root(), "locks"),
            std::vector<std::string>{"locks/maintenance/20251206T000000Z-" + held->holder()});
  auto contender =
      Lease::Acquire(b->objects(), b->keys(), "maintenance", "cassvault on host-b", 600, kNow + 5);
  ASSERT_EQ(contender.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(contender.status().message().find("lease maintenance"), std::string::npos);
  EXPECT_NE(contender.status().message().find("held by cassvault on host-a (holder " + held->holder() +
                                              ") until 2025-12-06T00:10:00Z"),
            std::string::npos)
      << contender.status().message();
  EXPECT_EQ(FilesUnder(root(), "locks").size(), 1u);  // the contender wrote nothing
  // Another lease name is independent.
  auto other = Lease::Acquire(b->objects(), b->keys(), "compaction", "host-b", 60, kNow + 5);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->Release().ok());
  ASSERT_TRUE(held->Release().ok());
  EXPECT_TRUE(FilesUnder(root(), "locks").empty());
  auto after = Lease::Acquire(b->objects(), b->keys(), "maintenance", "cassvault on host-b", 600, kNow + 6);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(held->Renew(kNow + 7).code(), StatusCode::kFailedPrecondition);  // released: gone
}

TEST_F(LeaseTest, ExpiredLeaseIsTakenAndItsHolderCannotRenew) {
  auto a = Open(), b = Open();
  auto first = Lease::Acquire(a->objects(), a->keys(), "maintenance", "host-a", 60, kNow);
  ASSERT_TRUE(first.ok());
  // Still held one second before the end, free at the end.
  EXPECT_EQ(Lease::Acquire(b->objects(), b->keys(), "maintenance", "host-b", 60, kNow + 59).status().code(),
            StatusCode::kFailedPrecondition);
  auto second = Lease::Acquire(b->objects(), b->keys(), "maintenance", "host-b", 60, kNow + 60);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Status late = first->Renew(kNow + 61);
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(late.message().find("held by host-b"), std::string::npos) << late.message();
  // The loser's contending object is gone; only the expired one of A (harmless, ignored) and B's remain.
  auto files = FilesUnder(root(), "locks");
  EXPECT_EQ(files.size(), 2u);
  EXPECT_TRUE(std::find(files.begin(), files.end(),
                        "locks/maintenance/20251206T000100Z-" + second->holder()) != files.end());
}

TEST_F(LeaseTest, RenewExtendsAndKeepsOneObject) {
  auto a = Open(), b = Open();
  auto l = Lease::Acquire(a->objects(), a->keys(), "maintenance", "host-a", 60, kNow);
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE(l->Renew(kNow + 30).ok());
  EXPECT_EQ(l->expires(), kNow + 90);
  EXPECT_EQ(FilesUnder(root(), "locks"),
            std::vector<std::string>{"locks/maintenance/20251206T000030Z-" + l->holder()});
  // Held past its first expiry.
  EXPECT_EQ(Lease::Acquire(b->objects(), b->keys(), "maintenance", "host-b", 60, kNow + 80).status().code(),
            StatusCode::kFailedPrecondition);
  // Renewed twice in one second: the second object takes the next second's name.
  ASSERT_TRUE(l->Renew(kNow + 30).ok());
  EXPECT_EQ(FilesUnder(root(), "locks"),
            std::vector<std::string>{"locks/maintenance/20251206T000031Z-" + l->holder()});
  // Expired but nobody took it: renewing acquires it again.
  ASSERT_TRUE(l->Renew(kNow + 500).ok());
  EXPECT_EQ(l->expires(), kNow + 560);
  EXPECT_EQ(FilesUnder(root(), "locks").size(), 1u);
}

// A writer key seals a lease object with no admin signature: it is ignored, so it blocks nobody; and a
// writer key cannot take a lease (PermissionDenied, nothing written).
TEST_F(LeaseTest, WriterKeyCanNeitherTakeNorBlockALease) {
  auto w = Open("writer");
  auto taken = Lease::Acquire(w->objects(), w->keys(), "maintenance", "host-w", 600, kNow);
  ASSERT_EQ(taken.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(taken.status().message().find("needs an admin key"), std::string::npos);
  EXPECT_FALSE(fs::exists(root() / "locks"));
  nlohmann::json j = {{"name", "maintenance"},
                      {"holder", "00000000000000aa"},
                      {"description", "forged"},
                      {"acquired", kNow},
                      {"expires", kNow + 86400}};
  std::string payload = j.dump();
  std::vector<uint8_t> plain(64, 0);
  plain.insert(plain.end(), payload.begin(), payload.end());
  ASSERT_TRUE(
      w->objects()
          .PutSealed(ObjectKind::kLock, layout::LockKey("maintenance", kNow - 10, "00000000000000aa"), plain)
          .ok());
  auto a = Open();
  auto l = Lease::Acquire(a->objects(), a->keys(), "maintenance", "host-a", 600, kNow);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
}

// No compare-and-swap: a contender that listed before our write and wrote after it. The one that saw only
// itself after writing holds the lease; the other sees it, deletes its own object and steps back.
TEST_F(LeaseTest, RaceBetweenListingAndWritingLeavesOneHolder) {
  auto b = Open();
  auto hook_owner = std::make_unique<HookStore>(LocalStoreAt(root()));
  HookStore* hook = hook_owner.get();
  auto a = Open("admin", std::move(hook_owner));
  std::optional<Lease> b_lease;
  // A has listed (nothing there); before its write, B acquires completely.
  hook->before_put = [&](std::string_view key) {
    if (!key.starts_with("locks/")) return Status::OK();
    hook->before_put = nullptr;
    auto got = Lease::Acquire(b->objects(), b->keys(), "maintenance", "host-b", 600, kNow + 1);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (got.ok()) b_lease.emplace(std::move(got).value());
    return Status::OK();
  };
  // A's clock is earlier: "lowest wins" would hand A the lease that B already believes it holds.
  auto lost = Lease::Acquire(a->objects(), a->keys(), "maintenance", "host-a", 600, kNow);
  ASSERT_EQ(lost.status().code(), StatusCode::kFailedPrecondition) << lost.status().ToString();
  EXPECT_NE(lost.status().message().find("held by host-b"), std::string::npos) << lost.status().message();
  ASSERT_TRUE(b_lease.has_value());
  EXPECT_EQ(FilesUnder(root(), "locks"),
            std::vector<std::string>{"locks/maintenance/20251206T000001Z-" + b_lease->holder()});
}

// What a lease costs on a cloud store, where each request is a round trip.
TEST_F(LeaseTest, RequestsPerAcquireRenewRelease) {
  auto v = Open("admin", std::make_unique<storage::CountingStore>(LocalStoreAt(root())));
  auto& store = static_cast<storage::CountingStore&>(v->store());
  store.Reset();
  auto l = Lease::Acquire(v->objects(), v->keys(), "maintenance", "host-a", 600, kNow);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(store.counts().lists, 2u);  // before and after our write
  EXPECT_EQ(store.counts().puts, 1u);
  EXPECT_EQ(store.counts().gets, 1u);  // our own object, listed the second time
  EXPECT_EQ(store.counts().Requests(), 4u);
  store.Reset();
  ASSERT_TRUE(l->Renew(kNow + 200).ok());
  EXPECT_EQ(store.counts().puts, 1u);
  EXPECT_EQ(store.counts().deletes, 1u);
  EXPECT_EQ(store.counts().Requests(), 2u);
  store.Reset();
  ASSERT_TRUE(l->Release().ok());
  EXPECT_EQ(store.counts().Requests(), 2u);  // a listing and one delete
  EXPECT_TRUE(FilesUnder(root(), "locks").empty());
}

TEST(LeaseV1Test, FormatOneVaultNotSupported) {
  testutil::ScratchDir dir{"cv-vobj-lease-v1", "x"};
  auto v = Vault::Init(LocalStoreAt(dir.path(), true), crypto::PassphraseSecret("p"), FastScrypt(), 1);
  ASSERT_TRUE(v.ok());
  auto l = Lease::Acquire((*v)->objects(), (*v)->keys(), "maintenance", "h", 60, kNow);
  EXPECT_EQ(l.status().code(), StatusCode::kNotSupported);
  EXPECT_FALSE(fs::exists(dir.path() / "locks"));
}

TEST_F(LeaseTest, BreakStaleDeletesOnlyWhatThePredicateCallsDead) {
  auto a = Open(), b = Open();
  auto dead = Lease::Acquire(a->objects(), a->keys(), "maintenance", "prune pid 4242 on host-a", 900, kNow);
  ASSERT_TRUE(dead.ok());
  auto alive = Lease::Acquire(a->objects(), a->keys(), "other", "prune pid 7 on host-a", 900, kNow);
  ASSERT_TRUE(alive.ok());
  std::vector<std::string> asked;
  auto broken =
      Lease::BreakStale(b->objects(), b->keys(), "maintenance", kNow + 1, [&](const std::string& d) {
        asked.push_back(d);
        return d == "prune pid 4242 on host-a";
      });
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  EXPECT_EQ(*broken, 1u);
  EXPECT_EQ(asked, std::vector<std::string>{"prune pid 4242 on host-a"});  // only that lease's holders
  EXPECT_TRUE(FilesUnder(root(), "locks/maintenance").empty());
  EXPECT_EQ(FilesUnder(root(), "locks/other").size(), 1u);
  // Taken at once, not at the dead holder's expiry.
  EXPECT_TRUE(Lease::Acquire(b->objects(), b->keys(), "maintenance", "host-b", 900, kNow + 2).ok());
  // A predicate that calls nothing dead breaks nothing.
  auto none =
      Lease::BreakStale(b->objects(), b->keys(), "other", kNow + 3, [](const std::string&) { return false; });
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  EXPECT_EQ(FilesUnder(root(), "locks/other").size(), 1u);
}

}  // namespace
}  // namespace cv::vault
