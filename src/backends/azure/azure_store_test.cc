// The Azure backend against a real Blob service: Azurite, started by tests/integration/test_azurite.py,
// which passes CASSVAULT_AZURE_ENDPOINT, AZURE_STORAGE_KEY and CASSVAULT_TEST_AZURE_CONTAINER. Not a unit
// test (it needs the server), so CTest runs it only through that script, labelled `integration`.
//
// The shared ObjectStore contract runs twice: with small request sizes and list pages, so that block
// uploads and continuation markers are exercised on small data, and with the defaults.
#include "backends/azure/azure_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <thread>

#include "backends/azure/blob_client.h"
#include "crypto/crypto.h"
#include "storage/store_contract.h"

namespace cv::backends {
namespace {

using storage::testing::ContractTarget;
using storage::testing::ObjectStoreContract;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string Url(const std::string& path) {
  return "azure://devstoreaccount1/" + Env("CASSVAULT_TEST_AZURE_CONTAINER") +
         (path.empty() ? "" : "/" + path);
}

Result<AzureOptions> TestOptions() {
  if (Env("CASSVAULT_TEST_AZURE_CONTAINER").empty()) {
    return Status::FailedPrecondition(
        "azure_store_test", "needs Azurite: run tests/integration/test_azurite.py (or ctest -R azurite)");
  }
  return AzureOptionsFromSettings(StoreSettings{});
}

Result<std::unique_ptr<storage::ObjectStore>> OpenSmall(const std::string& unique) {
  CV_ASSIGN_OR_RETURN(AzureOptions o, TestOptions());
  o.single_put_max = 1 << 20;  // the contract's 3 MiB object goes up in 13 blocks
  o.block_size = 256 << 10;
  o.list_page_size = 7;  // the contract's 23-key listing takes 4 pages
  return OpenAzureStore(Url(unique), o, true);
}

Result<std::unique_ptr<storage::ObjectStore>> OpenDefault(const std::string& unique) {
  CV_ASSIGN_OR_RETURN(AzureOptions o, TestOptions());
  return OpenAzureStore(Url(unique), o, true);
}

INSTANTIATE_TEST_SUITE_P(Azurite, ObjectStoreContract,
                         ::testing::Values(ContractTarget{"SmallBlocksAndPages", &OpenSmall, {}},
                                           ContractTarget{"Defaults", &OpenDefault, {}}),
                         storage::testing::ContractTargetName);

TEST(AzuriteStore, WrongKeyIsPermissionDeniedNamingOperationKeyStatusAndCode) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  const std::string right_key = o->auth.account_key;
  std::vector<uint8_t> zeros(64, 0);
  o->auth.account_key = crypto::Base64Encode(zeros);
  auto store = OpenAzureStore(Url("wrong-key"), *o, false);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status st = (*store)->Put("config", crypto::AsBytes("x"));
  ASSERT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  const std::string& m = st.message();
  // Azure says AuthenticationFailed; Azurite says AuthorizationFailure. Both name the key variable.
  EXPECT_EQ(m.rfind(Url("wrong-key/config") + ": Put Blob failed: HTTP 403 Auth", 0), 0u) << m;
  EXPECT_NE(m.find("AZURE_STORAGE_KEY"), std::string::npos) << m;
  for (const std::string& secret :
       {right_key, o->auth.account_key, std::string("SharedKey"), std::string("MAC")}) {
    EXPECT_EQ(m.find(secret), std::string::npos) << "message leaks '" << secret << "': " << m;
  }
  auto stat = (*store)->Stat("config");  // HEAD: no body, the code comes from x-ms-error-code
  EXPECT_EQ(stat.status().code(), StatusCode::kPermissionDenied) << stat.status().ToString();
}

TEST(AzuriteStore, MissingContainerIsNotFoundAndNamed) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  auto store = OpenAzureStore("azure://devstoreaccount1/no-such-container/v", *o, false);
  ASSERT_TRUE(store.ok());
  std::vector<uint8_t> out;
  Status get = (*store)->Get("config", 0, 0, &out);
  EXPECT_TRUE(get.IsNotFound()) << get.ToString();
  Status list = (*store)->List("packs/", [](const storage::ObjectInfo&) {});
  EXPECT_TRUE(list.IsNotFound()) << list.ToString();
  EXPECT_NE(list.message().find("container 'no-such-container' does not exist"), std::string::npos)
      << list.message();
  EXPECT_NE(list.message().find("ContainerNotFound"), std::string::npos) << list.message();
}

TEST(AzuriteStore, CreatingTheContainerTwiceIsFine) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  for (int i = 0; i < 2; ++i) {
    auto store = OpenAzureStore("azure://devstoreaccount1/cv-created-twice", *o, true);
    ASSERT_TRUE(store.ok()) << i << ": " << store.status().ToString();
  }
}

TEST(AzuriteStore, PrefixesKeepVaultsInOneContainerApart) {
  auto a = OpenDefault("apart-a");
  auto b = OpenDefault("apart-b");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Put("config", crypto::AsBytes("a")).ok());
  ASSERT_TRUE((*b)->Put("config", crypto::AsBytes("b")).ok());  // same key, other vault: no conflict
  int seen = 0;
  ASSERT_TRUE((*a)->List("",
                         [&](const storage::ObjectInfo& info) {
                           EXPECT_EQ(info.key, "config");
                           ++seen;
                         })
                  .ok());
  EXPECT_EQ(seen, 1);
  for (auto* s : {&*a, &*b}) EXPECT_TRUE((*s)->Delete("config").ok());
}

// The wire, below the store: a client that signs like the store does.
std::unique_ptr<azure::BlobClient> RawClient(const AzureOptions& o, const std::string& path) {
  auto loc = azure::ParseAzureUrl(Url(path), o.endpoint);
  if (!loc.ok()) return nullptr;
  auto auth = azure::MakeAuthorizer(o.auth, o.http, /*endpoint_is_https=*/false,
                                    /*endpoint_is_loopback=*/http::IsLoopbackUrl(loc->endpoint));
  auto http = http::Client::Create(o.http);
  if (!loc.ok() || !auth.ok() || !http.ok()) return nullptr;
  return std::make_unique<azure::BlobClient>(*loc, std::move(auth).value(), std::move(http).value());
}

TEST(AzuriteStore, TheServiceChecksContentMd5) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_TRUE(OpenAzureStore(Url(""), *o, true).ok());
  auto client = RawClient(*o, "");
  ASSERT_NE(client, nullptr);
  // base64(MD5("hello")) on a body that is not "hello": what a damaged body looks like to the service.
  auto r = client->Send("PUT", "md5/damaged", {},
                        {{"x-ms-blob-type", "BlockBlob"}, {"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="}},
                        crypto::AsBytes("jello"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400);
  // Azure answers Md5Mismatch (mapped to Unavailable: send again); Azurite 3.35 answers InvalidOperation
  // "Provided contentMD5 doesn't match.", which stays InvalidArgument: codes, not texts, decide retries.
  std::string code(r->Find("x-ms-error-code"));
  EXPECT_TRUE(code == "Md5Mismatch" || code == "InvalidOperation") << code;
  auto missing = client->Send("HEAD", "md5/damaged", {}, {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404) << "a body that failed its MD5 was stored";
}

TEST(AzuriteStore, BlockUploadsRecordTheWholeObjectMd5) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  o->single_put_max = 1000;
  o->block_size = 400;
  auto store = OpenAzureStore(Url("md5-blocks"), *o, true);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::string body(2500, 'x');  // 7 blocks
  ASSERT_TRUE((*store)->Put("packs/00/p", crypto::AsBytes(body)).ok());
  auto client = RawClient(*o, "md5-blocks");
  ASSERT_NE(client, nullptr);
  auto head = client->Send("HEAD", "md5-blocks/packs/00/p", {}, {});
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->Find("x-ms-blob-type"), "BlockBlob");
  EXPECT_EQ(head->Find("Content-MD5"), "fzMMbpETUH/xMG9PFofjKg==");  // python3: base64(md5(b"x" * 2500))
  EXPECT_TRUE((*store)->Delete("packs/00/p").ok());
}

TEST(AzuriteStore, AccessTierPerObjectClass) {
  StoreSettings settings;
  settings.azure = {{"pack_access_tier", "Cool"}, {"metadata_access_tier", "Hot"}};
  if (Env("CASSVAULT_TEST_AZURE_CONTAINER").empty()) GTEST_SKIP() << "needs Azurite";
  auto o = AzureOptionsFromSettings(settings);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  auto store = OpenAzureStore(Url("tiers"), *o, true);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("packs/00/t", crypto::AsBytes("pack bytes")).ok());
  ASSERT_TRUE((*store)->Put("index/t", crypto::AsBytes("index bytes")).ok());
  o->single_put_max = 4;  // and through Put Block List
  o->block_size = 4;
  auto blocks = OpenAzureStore(Url("tiers"), *o, false);
  ASSERT_TRUE(blocks.ok());
  ASSERT_TRUE((*blocks)->Put("packs/00/b", crypto::AsBytes("bigger pack")).ok());
  auto client = RawClient(*o, "tiers");
  ASSERT_NE(client, nullptr);
  for (auto [blob, tier] : {std::pair<const char*, const char*>{"tiers/packs/00/t", "Cool"},
                            {"tiers/packs/00/b", "Cool"},
                            {"tiers/index/t", "Hot"}}) {
    auto head = client->Send("HEAD", blob, {}, {});
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    EXPECT_EQ(head->Find("x-ms-access-tier"), tier) << blob;
  }

  settings.azure = {{"pack_access_tier", "Archive"}};
  auto archive = AzureOptionsFromSettings(settings);
  ASSERT_FALSE(archive.ok());
  EXPECT_NE(archive.status().message().find("vault.azure.pack_access_tier"), std::string::npos);
  EXPECT_NE(archive.status().message().find("rehydration"), std::string::npos);
}

// --- Locks (tests/integration/test_store_locks.py). Against real Azurite, which implements neither blob
// versioning nor immutability policies: ProbeLocks says so without failing. Against the Azure stand-in
// (tests/integration/azure_worm_standin.py, CASSVAULT_TEST_AZURE_WORM_DIR = its storage directory), which
// implements both: the AzureWorm tests.

int64_t Now() { return static_cast<int64_t>(::time(nullptr)); }

TEST(AzureLocks, AzuriteHasNoLockSupportAndSaysSoWithoutFailing) {
  if (Env("CASSVAULT_TEST_AZURE_CONTAINER").empty() || !Env("CASSVAULT_TEST_AZURE_WORM_DIR").empty())
    GTEST_SKIP() << "needs Azurite";
  auto store = OpenDefault("probe-azurite");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto probe = (*store)->ProbeLocks();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  EXPECT_FALSE(probe->object_lock);
  EXPECT_FALSE(probe->versioning);
  EXPECT_NE(
      probe->detail.find("no version-level immutability (Set Blob Immutability Policy answered HTTP 501"),
      std::string::npos)
      << probe->detail;
  int left = 0;  // the probe blob is gone
  ASSERT_TRUE((*store)->List("", [&](const storage::ObjectInfo&) { ++left; }).ok());
  EXPECT_EQ(left, 0);
  // Delete keeps its single-request path there: absent is NotFound, present goes.
  ASSERT_TRUE((*store)->Put("packs/aa/x", crypto::AsBytes("x")).ok());
  ASSERT_TRUE((*store)->Delete("packs/aa/x").ok());
  EXPECT_TRUE((*store)->Delete("packs/aa/x").IsNotFound());
  // A store that has not written anything yet learns from the listing (include=versions) instead.
  ASSERT_TRUE((*store)->Put("packs/aa/y", crypto::AsBytes("y")).ok());
  auto fresh = OpenDefault("probe-azurite");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE((*fresh)->Delete("packs/aa/none").IsNotFound());
  ASSERT_TRUE((*fresh)->Delete("packs/aa/y").ok());
  EXPECT_TRUE((*fresh)->Stat("packs/aa/y").status().IsNotFound());
  EXPECT_TRUE((*fresh)->Delete("packs/aa/y").IsNotFound());
}

#define SKIP_WITHOUT_WORM() \
  if (Env("CASSVAULT_TEST_AZURE_WORM_DIR").empty()) GTEST_SKIP() << "needs the Azure stand-in"

uint64_t StoredBytes() {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(Env("CASSVAULT_TEST_AZURE_WORM_DIR"), ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!ec && it->is_regular_file(ec)) n += it->file_size(ec);
  }
  return n;
}

TEST(AzureWorm, ProbeFindsImmutabilityAndVersioningAndLeavesNothing) {
  SKIP_WITHOUT_WORM();
  auto store = OpenDefault("probe-worm");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const uint64_t before = StoredBytes();
  auto probe = (*store)->ProbeLocks();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  EXPECT_TRUE(probe->object_lock);
  EXPECT_TRUE(probe->versioning);
  EXPECT_NE(probe->detail.find("version-level immutability works"), std::string::npos) << probe->detail;
  EXPECT_EQ(StoredBytes(), before) << "the probe blob's versions stayed behind";
}

TEST(AzureWorm, LockedBlobsCannotBeDeletedNorLockedPoliciesShortened) {
  SKIP_WITHOUT_WORM();
  auto store = OpenDefault("worm");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto& s = **store;
  const std::vector<uint8_t> data(5000, 7);
  ASSERT_TRUE(s.Put("packs/aa/locked", data).ok());
  const int64_t until = Now() + 3600;
  ASSERT_TRUE(s.SetLock("packs/aa/locked", {.until = until, .mode = storage::LockMode::kCompliance}).ok());
  auto lock = s.GetLock("packs/aa/locked");
  ASSERT_TRUE(lock.ok() && lock->has_value()) << lock.status().ToString();
  EXPECT_EQ((*lock)->until, until);
  EXPECT_EQ((*lock)->mode, storage::LockMode::kCompliance);
  Status del = s.Delete("packs/aa/locked");
  EXPECT_EQ(del.code(), StatusCode::kFailedPrecondition) << del.ToString();
  EXPECT_NE(
      del.ToString().find("worm/packs/aa/locked: locked by the store until " + storage::FormatUtc(until)),
      std::string::npos)
      << del.ToString();
  std::vector<uint8_t> out;
  ASSERT_TRUE(s.Get("packs/aa/locked", 0, 0, &out).ok()) << "a refused delete left the current version";
  EXPECT_EQ(out, data);
  Status shorter =
      s.SetLock("packs/aa/locked", {.until = until - 600, .mode = storage::LockMode::kCompliance});
  EXPECT_EQ(shorter.code(), StatusCode::kFailedPrecondition) << shorter.ToString();
  EXPECT_NE(shorter.message().find("HTTP 409 BlobImmutableDueToPolicy"), std::string::npos)
      << shorter.ToString();
  Status weaker = s.SetLock("packs/aa/locked", {.until = until + 60, .mode = storage::LockMode::kGovernance});
  EXPECT_EQ(weaker.code(), StatusCode::kFailedPrecondition) << weaker.ToString();
  ASSERT_TRUE(
      s.SetLock("packs/aa/locked", {.until = until + 60, .mode = storage::LockMode::kCompliance}).ok());
  EXPECT_EQ((*s.GetLock("packs/aa/locked"))->until, until + 60);

  // Unlocked (governance): the service would let the date move down; cassvault does not ask it to.
  ASSERT_TRUE(s.Put("packs/aa/gov", data).ok());
  ASSERT_TRUE(s.SetLock("packs/aa/gov", {.until = until, .mode = storage::LockMode::kGovernance}).ok());
  EXPECT_EQ((*s.GetLock("packs/aa/gov"))->mode, storage::LockMode::kGovernance);
  Status gov_shorter =
      s.SetLock("packs/aa/gov", {.until = until - 60, .mode = storage::LockMode::kGovernance});
  EXPECT_EQ(gov_shorter.code(), StatusCode::kFailedPrecondition) << gov_shorter.ToString();
  EXPECT_EQ((*s.GetLock("packs/aa/gov"))->until, until);
  EXPECT_EQ(s.Delete("packs/aa/gov").code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(s.Put("packs/aa/none", data).ok());
  auto none = s.GetLock("packs/aa/none");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(s.GetLock("packs/aa/missing").status().IsNotFound());
}

TEST(AzureWorm, AfterThePolicyExpiresDeleteRemovesEveryVersionAndTheStoreShrinks) {
  SKIP_WITHOUT_WORM();
  auto store = OpenDefault("worm-expire");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto& s = **store;
  const uint64_t before = StoredBytes();
  const std::vector<uint8_t> data(70000, 9);
  ASSERT_TRUE(s.Put("packs/bb/short", data).ok());
  const int64_t until = Now() + 3;
  ASSERT_TRUE(s.SetLock("packs/bb/short", {.until = until, .mode = storage::LockMode::kCompliance}).ok());
  EXPECT_EQ(StoredBytes(), before + data.size());
  EXPECT_EQ(s.Delete("packs/bb/short").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(StoredBytes(), before + data.size());
  while (Now() <= until + 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Status del = s.Delete("packs/bb/short");
  ASSERT_TRUE(del.ok()) << del.ToString();
  EXPECT_EQ(StoredBytes(), before) << "a version's bytes stayed in the store";
  EXPECT_TRUE(s.Stat("packs/bb/short").status().IsNotFound());
  EXPECT_TRUE(s.Delete("packs/bb/short").IsNotFound());
  // A fresh store (nothing known about versioning yet) deletes an unlocked blob's versions the same way.
  ASSERT_TRUE(s.Put("index/x", data).ok());
  auto other = OpenDefault("worm-expire");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Delete("index/x").ok());
  EXPECT_EQ(StoredBytes(), before);
}

// The contract (ObjectInfo::modified included) on the stand-in: one Put Blob per object (the stand-in has
// no block uploads), Delete removing every version.
Result<std::unique_ptr<storage::ObjectStore>> OpenWorm(const std::string& unique) {
  CV_ASSIGN_OR_RETURN(AzureOptions o, TestOptions());
  o.single_put_max = 64 << 20;
  return OpenAzureStore(Url(unique), o, true);
}
std::vector<ContractTarget> WormTargets() {
  if (Env("CASSVAULT_TEST_AZURE_WORM_DIR").empty()) return {};
  return {ContractTarget{"WormStandIn", &OpenWorm, {}}};
}
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ObjectStoreContract);
INSTANTIATE_TEST_SUITE_P(AzureWormStandIn, ObjectStoreContract, ::testing::ValuesIn(WormTargets()),
                         storage::testing::ContractTargetName);

}  // namespace
}  // namespace cv::backends
