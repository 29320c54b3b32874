// The S3 backend against a real S3 server: Versity S3 Gateway, started by tests/integration/test_s3.py,
// which passes CASSVAULT_TEST_S3_ENDPOINT, CASSVAULT_TEST_S3_BUCKET and the gateway's root credentials
// as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Not a unit test (it needs the server), so CTest runs it
// only through that script, labelled `integration`.
//
// The shared ObjectStore contract runs twice: with a small multipart threshold and list pages, so that
// parallel multipart uploads and continuation tokens are exercised on small data, and with the defaults.
#include "backends/s3/s3_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "backends/s3/s3_client.h"
#include "backends/s3/s3_xml.h"
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
  return "s3://" + Env("CASSVAULT_TEST_S3_BUCKET") + (path.empty() ? "" : "/" + path);
}

Result<S3Options> TestOptions() {
  if (Env("CASSVAULT_TEST_S3_BUCKET").empty()) {
    return Status::FailedPrecondition("s3_store_test",
                                      "needs an S3 server: run tests/integration/test_s3.py");
  }
  S3Options o;
  o.endpoint = Env("CASSVAULT_TEST_S3_ENDPOINT");
  o.create_only = S3CreateOnly::kNative;
  return o;
}

// Multipart from 1 MiB (the contract's 3 MiB object becomes a one-part multipart upload: parts under
// 5 MiB are refused by S3 and by versitygw alike, so ParallelMultipartRoundTripsByteForByte below is
// where many parts go up at once); the contract's 23-key listing takes 4 pages.
Result<std::unique_ptr<storage::ObjectStore>> OpenSmall(const std::string& unique) {
  CV_ASSIGN_OR_RETURN(S3Options o, TestOptions());
  o.multipart_threshold = 1 << 20;
  o.list_page_size = 7;
  return OpenS3Store(Url(unique), o, true);
}

Result<std::unique_ptr<storage::ObjectStore>> OpenDefault(const std::string& unique) {
  CV_ASSIGN_OR_RETURN(S3Options o, TestOptions());
  o.create_only = S3CreateOnly::kAuto;  // the probe decides: versitygw enforces If-None-Match
  return OpenS3Store(Url(unique), o, true);
}

INSTANTIATE_TEST_SUITE_P(Versitygw, ObjectStoreContract,
                         ::testing::Values(ContractTarget{"SmallPartsAndPages", &OpenSmall, {}},
                                           ContractTarget{"Defaults", &OpenDefault, {}}),
                         storage::testing::ContractTargetName);

std::vector<uint8_t> Random(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t x = rng();
    std::memcpy(v.data() + i, &x, 8);
  }
  return v;
}

TEST(S3Store, CreateOnlyKeepsTheFirstBytes) {
  auto store = OpenDefault("create-only");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("backups/1", crypto::AsBytes("first")).ok());
  Status again = (*store)->Put("backups/1", crypto::AsBytes("second"));
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_NE(again.message().find("HTTP 412"), std::string::npos) << again.message();
  std::vector<uint8_t> out;
  ASSERT_TRUE((*store)->Get("backups/1", 0, 0, &out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), "first");
  EXPECT_TRUE((*store)->Properties().native_create_only) << "auto mode should find If-None-Match enforced";
  int listed = 0;
  ASSERT_TRUE((*store)->List("", [&](const storage::ObjectInfo&) { ++listed; }).ok());
  EXPECT_EQ(listed, 1) << "the create-only probe is hidden from List";
}

TEST(S3Store, CheckThenPutModeIsCreateOnlyWithoutTheHeader) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok());
  o->create_only = S3CreateOnly::kCheckThenPut;
  auto store = OpenS3Store(Url("check-then-put"), *o, true);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_FALSE((*store)->Properties().native_create_only);
  ASSERT_TRUE((*store)->Put("packs/aa/x", crypto::AsBytes("one")).ok());
  Status again = (*store)->Put("packs/aa/x", crypto::AsBytes("two"));
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_NE(again.message().find("HeadObject"), std::string::npos);
}

// A signed client straight to the gateway (not through any proxy): to ask what the server holds.
std::unique_ptr<s3::S3Client> RawClient(const S3Options& o, const std::string& url) {
  const bool path_style =
      o.path_style.value_or(s3::DefaultPathStyle(Env("CASSVAULT_TEST_S3_BUCKET"), o.endpoint));
  auto loc = s3::ParseS3Url(url, o.region, o.endpoint, path_style);
  auto http = http::Client::Create(o.http);
  if (!loc.ok() || !http.ok()) return nullptr;
  return std::make_unique<s3::S3Client>(
      std::move(loc).value(),
      std::make_unique<s3::CredentialChain>(s3::DefaultCredentialSources(o.credentials)),
      std::move(http).value(), 1);
}

// Review L8: a CreateMultipartUpload whose answer is lost after the server created the upload, then
// retried, must not leave the first upload behind. Needs tests/integration/test_security_store.py, which
// puts faults.py's FaultProxy (answering the first `POST ?uploads` with a 500 AFTER the gateway acted)
// at CASSVAULT_TEST_S3_FAULT_ENDPOINT.
TEST(S3Store, RetriedCreateMultipartUploadLeavesNoUploadBehind) {
  const std::string fault = Env("CASSVAULT_TEST_S3_FAULT_ENDPOINT");
  if (fault.empty()) GTEST_SKIP() << "needs CASSVAULT_TEST_S3_FAULT_ENDPOINT (test_security_store.py)";
  auto o = TestOptions();
  ASSERT_TRUE(o.ok());
  S3Options via_proxy = *o;
  via_proxy.endpoint = fault;
  via_proxy.multipart_threshold = 5 << 20;
  via_proxy.part_size = 5 << 20;
  const std::string prefix = "l8-" + std::to_string(::getpid());
  auto store = OpenS3Store(Url(prefix), via_proxy, true);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto big = Random((11u << 20) + 7, 11);
  ASSERT_TRUE((*store)->Put("packs/ab/big", big).ok());
  std::vector<uint8_t> out;
  ASSERT_TRUE((*store)->Get("packs/ab/big", 0, 0, &out).ok());
  EXPECT_TRUE(out == big);

  auto raw = RawClient(*o, Url(""));
  ASSERT_NE(raw, nullptr);
  const std::string full = prefix + "/packs/ab/big";
  auto r = raw->Send(s3::MakeRequest("GET", "", {{"uploads", ""}, {"prefix", full}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->BodyText();
  auto left = s3::ParseUploadsOfKey(r->BodyText(), full);
  ASSERT_TRUE(left.ok()) << left.status().ToString() << ": " << r->BodyText();
  EXPECT_TRUE(left->empty()) << left->size() << " multipart upload(s) left behind: " << r->BodyText();
  std::printf("[ L8 ] in-progress uploads of the key after the put: %zu\n", left->size());
  EXPECT_TRUE((*store)->Delete("packs/ab/big").ok());
}

TEST(S3Store, ParallelMultipartRoundTripsByteForByte) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok());
  o->multipart_threshold = 8 << 20;  // well below the 64 MiB default
  o->part_size = 5 << 20;            // S3's minimum part size
  auto store = OpenS3Store(Url("multipart"), *o, true);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto big = Random((48u << 20) + 12345, 7);  // 10 parts, 4 in flight
  auto t0 = std::chrono::steady_clock::now();
  Status put = (*store)->Put("packs/ff/big", big);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(put.ok()) << put.ToString();
  std::printf("[ multipart ] %.1f MiB in %.2f s: %.0f MiB/s\n", big.size() / 1048576.0, secs,
              big.size() / 1048576.0 / secs);
  std::vector<uint8_t> out;
  ASSERT_TRUE((*store)->Get("packs/ff/big", 0, 0, &out).ok());
  EXPECT_TRUE(out == big);
  const uint64_t across = (5u << 20) - 100;  // a range across the first part boundary
  ASSERT_TRUE((*store)->Get("packs/ff/big", across, 300, &out).ok());
  EXPECT_TRUE(std::equal(out.begin(), out.end(), big.begin() + static_cast<std::ptrdiff_t>(across)));
  EXPECT_EQ(out.size(), 300u);
  Status again = (*store)->Put("packs/ff/big", Random(big.size(), 8));
  EXPECT_TRUE(again.IsAlreadyExists())
      << "CompleteMultipartUpload carries If-None-Match: " << again.ToString();
  ASSERT_TRUE((*store)->Get("packs/ff/big", big.size() - 10, 10, &out).ok());
  EXPECT_TRUE(std::equal(out.begin(), out.end(), big.end() - 10)) << "the first object's bytes are kept";
}

TEST(S3Store, WrongSecretIsPermissionDeniedNamingOperationStatusAndCodeButNoSecret) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok());
  const std::string right = Env("AWS_SECRET_ACCESS_KEY");
  ::setenv("CV_TEST_WRONG_SECRET", "not-the-secret-0123456789", 1);
  o->credentials.access_key_id = Env("AWS_ACCESS_KEY_ID");
  o->credentials.secret_access_key_env = "CV_TEST_WRONG_SECRET";
  auto store = OpenS3Store(Url("wrong-secret"), *o, false);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status st = (*store)->Put("config", crypto::AsBytes("x"));
  ASSERT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  const std::string& m = st.message();
  EXPECT_EQ(m.rfind(Url("wrong-secret/config") + ": PutObject failed: HTTP 403 SignatureDoesNotMatch", 0), 0u)
      << m;
  EXPECT_NE(m.find("CV_TEST_WRONG_SECRET"), std::string::npos) << "names where the secret came from: " << m;
  for (const std::string& secret :
       {right, std::string("not-the-secret"), std::string("AWS4-HMAC-SHA256"), std::string("Signature=")}) {
    EXPECT_EQ(m.find(secret), std::string::npos) << "message leaks '" << secret << "': " << m;
  }
  auto stat = (*store)->Stat("config");  // HEAD: no body, no code; still PermissionDenied
  EXPECT_EQ(stat.status().code(), StatusCode::kPermissionDenied) << stat.status().ToString();
}

TEST(S3Store, MissingBucketIsNotFoundAndNamed) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok());
  auto store = OpenS3Store("s3://no-such-bucket-cv/v", *o, false);
  ASSERT_TRUE(store.ok());
  Status list = (*store)->List("packs/", [](const storage::ObjectInfo&) {});
  EXPECT_TRUE(list.IsNotFound()) << list.ToString();
  EXPECT_NE(list.message().find("bucket 'no-such-bucket-cv' does not exist"), std::string::npos)
      << list.message();
  EXPECT_NE(list.message().find("NoSuchBucket"), std::string::npos) << list.message();
  std::vector<uint8_t> out;
  EXPECT_TRUE((*store)->Get("config", 0, 0, &out).IsNotFound());
}

TEST(S3Store, CreatingTheBucketTwiceIsFineAndPrefixesKeepVaultsApart) {
  auto o = TestOptions();
  ASSERT_TRUE(o.ok());
  for (int i = 0; i < 2; ++i) {
    auto s = OpenS3Store("s3://cv-created-twice/v", *o, true);
    ASSERT_TRUE(s.ok()) << i << ": " << s.status().ToString();
  }
  auto a = OpenS3Store(Url("apart-a"), *o, false);
  auto b = OpenS3Store(Url("apart-b"), *o, false);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Put("config", crypto::AsBytes("a")).ok());
  ASSERT_TRUE((*b)->Put("config", crypto::AsBytes("b")).ok());
  int seen = 0;
  ASSERT_TRUE((*a)->List("",
                         [&](const storage::ObjectInfo& info) {
                           EXPECT_EQ(info.key, "config");
                           ++seen;
                         })
                  .ok());
  EXPECT_EQ(seen, 1);
}

// --- Object Lock (tests/integration/test_store_locks.py): versitygw started with --versioning-dir, a bucket
// created with Object Lock enabled (CASSVAULT_TEST_S3_LOCK_BUCKET), and the gateway's directory
// (CASSVAULT_TEST_S3_STORAGE_DIR) to look at what it really keeps. Skipped elsewhere.

int64_t Now() { return static_cast<int64_t>(::time(nullptr)); }

Result<std::unique_ptr<storage::ObjectStore>> OpenLocked(const std::string& prefix) {
  if (Env("CASSVAULT_TEST_S3_LOCK_BUCKET").empty()) {
    return Status::FailedPrecondition("s3_store_test", "no Object Lock bucket: run test_store_locks.py");
  }
  CV_ASSIGN_OR_RETURN(S3Options o, TestOptions());
  return OpenS3Store("s3://" + Env("CASSVAULT_TEST_S3_LOCK_BUCKET") + "/" + prefix, o, false);
}

#define SKIP_WITHOUT_LOCK_BUCKET() \
  if (Env("CASSVAULT_TEST_S3_LOCK_BUCKET").empty()) GTEST_SKIP() << "needs test_store_locks.py"

// The versions of `full_key` as the gateway lists them, asked with the root credentials directly.
std::vector<s3::ListedVersion> VersionsOnServer(const std::string& full_key) {
  auto o = TestOptions();
  auto raw = RawClient(*o, "s3://" + Env("CASSVAULT_TEST_S3_LOCK_BUCKET"));
  auto r = raw->Send(s3::MakeRequest("GET", "", {{"versions", ""}, {"prefix", full_key}}));
  EXPECT_TRUE(r.ok() && r->status == 200);
  if (!r.ok()) return {};
  auto page = s3::ParseListVersions(r->BodyText());
  EXPECT_TRUE(page.ok());
  std::vector<s3::ListedVersion> out;
  for (auto& v : page->versions) {
    if (v.key == full_key) out.push_back(v);
  }
  return out;
}

// How many regular files under the gateway's directory hold exactly `bytes` (current objects and the
// versioning directory alike).
int FilesHolding(const std::vector<uint8_t>& bytes) {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(Env("CASSVAULT_TEST_S3_STORAGE_DIR"), ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec || !it->is_regular_file(ec) || it->file_size(ec) != bytes.size()) continue;
    std::ifstream f(it->path(), std::ios::binary);
    std::vector<uint8_t> got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (got == bytes) ++n;
  }
  return n;
}

TEST(S3Locks, ProbeFindsObjectLockAndVersioningOnlyWhereTheBucketHasThem) {
  SKIP_WITHOUT_LOCK_BUCKET();
  auto locked = OpenLocked("probe");
  ASSERT_TRUE(locked.ok()) << locked.status().ToString();
  auto yes = (*locked)->ProbeLocks();
  ASSERT_TRUE(yes.ok()) << yes.status().ToString();
  EXPECT_TRUE(yes->object_lock);
  EXPECT_TRUE(yes->versioning);
  EXPECT_NE(yes->detail.find("S3 Object Lock is enabled"), std::string::npos) << yes->detail;
  auto plain = OpenDefault("probe-plain");
  ASSERT_TRUE(plain.ok());
  auto no = (*plain)->ProbeLocks();
  ASSERT_TRUE(no.ok()) << no.status().ToString();
  EXPECT_FALSE(no->object_lock);
  EXPECT_FALSE(no->versioning);
  EXPECT_NE(no->detail.find("has no Object Lock"), std::string::npos) << no->detail;
}

// Compliance and governance locks read back; our Delete and a direct DELETE of the version (root
// credentials) are both refused; a shorter compliance date, or compliance turned into governance, is
// refused by the server. The locked object stays (the script sends its own DELETE of it afterwards).
TEST(S3Locks, LockedObjectsCannotBeDeletedNorTheirLocksShortened) {
  SKIP_WITHOUT_LOCK_BUCKET();
  auto store = OpenLocked("v1");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto& s = **store;
  const auto data = Random(40000, 77);
  ASSERT_TRUE(s.Put("packs/aa/locked", data).ok());
  const int64_t until = Now() + 3600;
  ASSERT_TRUE(s.SetLock("packs/aa/locked", {.until = until, .mode = storage::LockMode::kCompliance}).ok());
  auto lock = s.GetLock("packs/aa/locked");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  ASSERT_TRUE(lock->has_value());
  EXPECT_EQ((*lock)->until, until);
  EXPECT_EQ((*lock)->mode, storage::LockMode::kCompliance);

  Status del = s.Delete("packs/aa/locked");
  EXPECT_EQ(del.code(), StatusCode::kFailedPrecondition) << del.ToString();
  EXPECT_NE(del.ToString().find("v1/packs/aa/locked: locked by the store until " + storage::FormatUtc(until)),
            std::string::npos)
      << del.ToString();
  std::vector<uint8_t> out;
  ASSERT_TRUE(s.Get("packs/aa/locked", 0, 0, &out).ok());
  EXPECT_EQ(out, data);

  auto versions = VersionsOnServer("v1/packs/aa/locked");
  ASSERT_EQ(versions.size(), 1u) << "Delete left no delete marker or other trace";
  auto o = TestOptions();
  auto raw = RawClient(*o, "s3://" + Env("CASSVAULT_TEST_S3_LOCK_BUCKET"));
  auto direct =
      raw->Send(s3::MakeRequest("DELETE", "v1/packs/aa/locked", {{"versionId", versions[0].version_id}}));
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->status, 403) << direct->BodyText();
  EXPECT_NE(direct->BodyText().find("object lock"), std::string::npos) << direct->BodyText();
  std::printf("[ locked ] v1/packs/aa/locked %s\n", versions[0].version_id.c_str());

  Status shorter =
      s.SetLock("packs/aa/locked", {.until = until - 1800, .mode = storage::LockMode::kCompliance});
  EXPECT_EQ(shorter.code(), StatusCode::kFailedPrecondition) << shorter.ToString();
  EXPECT_NE(shorter.message().find("HTTP 403: the store refused a COMPLIANCE lock until"), std::string::npos)
      << shorter.ToString();
  Status weaker = s.SetLock("packs/aa/locked", {.until = until + 60, .mode = storage::LockMode::kGovernance});
  EXPECT_EQ(weaker.code(), StatusCode::kFailedPrecondition) << weaker.ToString();
  ASSERT_TRUE(
      s.SetLock("packs/aa/locked", {.until = until + 60, .mode = storage::LockMode::kCompliance}).ok());
  EXPECT_EQ((*s.GetLock("packs/aa/locked"))->until, until + 60) << "extending is allowed";

  ASSERT_TRUE(s.Put("packs/aa/gov", Random(100, 78)).ok());
  ASSERT_TRUE(s.SetLock("packs/aa/gov", {.until = until, .mode = storage::LockMode::kGovernance}).ok());
  EXPECT_EQ((*s.GetLock("packs/aa/gov"))->mode, storage::LockMode::kGovernance);
  EXPECT_EQ(s.Delete("packs/aa/gov").code(), StatusCode::kFailedPrecondition);
  Status gov_shorter =
      s.SetLock("packs/aa/gov", {.until = until - 60, .mode = storage::LockMode::kGovernance});
  EXPECT_EQ(gov_shorter.code(), StatusCode::kFailedPrecondition) << gov_shorter.ToString();

  ASSERT_TRUE(s.Put("packs/aa/none", Random(10, 79)).ok());
  auto none = s.GetLock("packs/aa/none");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(s.GetLock("packs/aa/missing").status().IsNotFound());
}

// A lock a few seconds ahead: refused while it holds, then Delete removes EVERY version (here two, the
// second written past the create-only Put by the root account, and a delete marker) and the bytes are
// gone from the gateway's directories; a second Delete is NotFound.
TEST(S3Locks, AfterTheLockExpiresDeleteRemovesEveryVersionAndTheBytes) {
  SKIP_WITHOUT_LOCK_BUCKET();
  auto store = OpenLocked("v2");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto& s = **store;
  const auto first = Random(30000, 80), second = Random(30001, 81);
  ASSERT_TRUE(s.Put("packs/bb/short", first).ok());
  auto o = TestOptions();
  auto raw = RawClient(*o, "s3://" + Env("CASSVAULT_TEST_S3_LOCK_BUCKET"));
  auto over = raw->Send(s3::MakeRequest("PUT", "v2/packs/bb/short", {}, {}, second));
  ASSERT_TRUE(over.ok() && over->status == 200);
  const int64_t until = Now() + 4;
  ASSERT_TRUE(s.SetLock("packs/bb/short", {.until = until, .mode = storage::LockMode::kGovernance}).ok());
  ASSERT_EQ(VersionsOnServer("v2/packs/bb/short").size(), 2u);
  EXPECT_EQ(FilesHolding(first), 1);
  EXPECT_EQ(FilesHolding(second), 1);
  Status early = s.Delete("packs/bb/short");
  EXPECT_EQ(early.code(), StatusCode::kFailedPrecondition) << early.ToString();
  EXPECT_EQ(VersionsOnServer("v2/packs/bb/short").size(), 2u) << "a refused delete changes nothing";
  while (Now() <= until + 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto marker = raw->Send(s3::MakeRequest("DELETE", "v2/packs/bb/short"));  // a delete marker on top
  ASSERT_TRUE(marker.ok() && marker->status == 204);
  ASSERT_EQ(VersionsOnServer("v2/packs/bb/short").size(), 3u);

  Status del = s.Delete("packs/bb/short");
  ASSERT_TRUE(del.ok()) << del.ToString();
  EXPECT_TRUE(VersionsOnServer("v2/packs/bb/short").empty());
  EXPECT_EQ(FilesHolding(first), 0) << "the first version's bytes are still on the gateway's disk";
  EXPECT_EQ(FilesHolding(second), 0) << "the second version's bytes are still on the gateway's disk";
  EXPECT_TRUE(s.Stat("packs/bb/short").status().IsNotFound());
  Status again = s.Delete("packs/bb/short");
  EXPECT_TRUE(again.IsNotFound()) << again.ToString();
  // Unlocked objects of the versioned bucket go the same way, and may be created again.
  ASSERT_TRUE(s.Put("index/x", first).ok());
  ASSERT_TRUE(s.Delete("index/x").ok());
  EXPECT_TRUE(VersionsOnServer("v2/index/x").empty());
  EXPECT_EQ(FilesHolding(first), 0);
  ASSERT_TRUE(s.Put("index/x", second).ok());
}

// The contract, with ObjectInfo::modified, on the versioned Object Lock bucket too (only when there is one).
Result<std::unique_ptr<storage::ObjectStore>> OpenLockedContract(const std::string& unique) {
  return OpenLocked(unique);
}
std::vector<ContractTarget> LockedTargets() {
  if (Env("CASSVAULT_TEST_S3_LOCK_BUCKET").empty()) return {};
  return {ContractTarget{"Versioned", &OpenLockedContract, {}}};
}
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ObjectStoreContract);
INSTANTIATE_TEST_SUITE_P(VersitygwObjectLock, ObjectStoreContract, ::testing::ValuesIn(LockedTargets()),
                         storage::testing::ContractTargetName);

}  // namespace
}  // namespace cv::backends
