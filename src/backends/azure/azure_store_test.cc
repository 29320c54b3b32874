// The Azure backend against a real Blob service: Azurite, started by tests/integration/test_azurite.py,
// which passes CASSVAULT_AZURE_ENDPOINT, AZURE_STORAGE_KEY and CASSVAULT_TEST_AZURE_CONTAINER. Not a unit
// test (it needs the server), so CTest runs it only through that script, labelled `integration`.
//
// The shared ObjectStore contract runs twice: with small request sizes and list pages, so that block
// uploads and continuation markers are exercised on small data, and with the defaults.
#include "backends/azure/azure_store.h"

#include <gtest/gtest.h>

#include <cstdlib>

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

}  // namespace
}  // namespace cv::backends
