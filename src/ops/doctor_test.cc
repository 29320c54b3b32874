#include "ops/doctor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "backends/local/local_store.h"
#include "vault/vault.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;
using Outcome = DoctorCheck::Outcome;

// Decorates a real local store to behave like a cloud identity or server with less than full rights:
// a backup identity without delete, or a server that ignores If-None-Match.
class Restricted final : public storage::ObjectStore {
 public:
  Restricted(std::unique_ptr<storage::ObjectStore> inner, bool deny_delete, bool overwrite)
      : inner_(std::move(inner)), deny_delete_(deny_delete), overwrite_(overwrite) {}
  std::string Describe() const override { return "s3://bucket/vault"; }
  storage::StoreProperties Properties() const override { return inner_->Properties(); }
  Status Put(std::string_view k, std::span<const uint8_t> d) override {
    Status st = inner_->Put(k, d);
    return (overwrite_ && st.code() == StatusCode::kAlreadyExists) ? Status::OK() : st;
  }
  Status Get(std::string_view k, uint64_t o, uint64_t l, std::vector<uint8_t>* out) override {
    return inner_->Get(k, o, l, out);
  }
  Result<storage::ObjectInfo> Stat(std::string_view k) override { return inner_->Stat(k); }
  Status List(std::string_view p, const std::function<void(const storage::ObjectInfo&)>& fn) override {
    return inner_->List(p, fn);
  }
  Status Delete(std::string_view k) override {
    if (deny_delete_) return Status::PermissionDenied("DELETE " + std::string(k), "403 AccessDenied");
    return inner_->Delete(k);
  }

 private:
  std::unique_ptr<storage::ObjectStore> inner_;
  bool deny_delete_, overwrite_;
};

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cv-doctor-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    auto v = vault::Vault::Init(std::move(backends::OpenLocalStore((root_ / "vault").string(), true)).value(),
                                crypto::PassphraseSecret("right"), {.log2_n = 10, .r = 8, .p = 1});
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    config_.passphrase_env = "CV_DOCTOR_TEST_PASS";
    ::setenv("CV_DOCTOR_TEST_PASS", "right", 1);
  }
  void TearDown() override {
    ::unsetenv("CV_DOCTOR_TEST_PASS");
    fs::remove_all(root_);
  }
  std::unique_ptr<storage::ObjectStore> Store() {
    return std::move(backends::OpenLocalStore((root_ / "vault").string(), false)).value();
  }
  static const DoctorCheck& Find(const DoctorReport& r, const std::string& name) {
    for (const auto& c : r.checks) {
      if (c.name == name) return c;
    }
    static DoctorCheck none{"missing", Outcome::kFail, "", Status::OK()};
    return none;
  }
  size_t Probes() {
    if (!fs::exists(root_ / "vault" / "probes")) return 0;
    return static_cast<size_t>(std::distance(fs::directory_iterator(root_ / "vault" / "probes"), {}));
  }
  fs::path root_;
  Config config_;
};

TEST_F(DoctorTest, FullRightsWarnAboutDeleteAndUnlock) {
  DoctorReport r = RunDoctor(config_, Store());
  EXPECT_TRUE(r.first_failure.ok()) << r.first_failure.ToString();
  EXPECT_TRUE(r.can_read && r.can_list && r.can_create && r.can_delete);
  for (const char* name : {"read", "list", "create", "create-only", "read-back", "vault key"}) {
    EXPECT_EQ(Find(r, name).outcome, Outcome::kOk) << name << ": " << Find(r, name).detail;
  }
  EXPECT_EQ(Find(r, "delete").outcome, Outcome::kWarn);
  EXPECT_NE(Find(r, "delete").detail.find("can DELETE"), std::string::npos);
  EXPECT_EQ(Probes(), 0u);  // deleted again
}

TEST_F(DoctorTest, BackupIdentityWithoutDeleteIsTheGoodCase) {
  DoctorReport r = RunDoctor(config_, std::make_unique<Restricted>(Store(), true, false));
  EXPECT_TRUE(r.first_failure.ok()) << r.first_failure.ToString();
  EXPECT_FALSE(r.can_delete);
  EXPECT_EQ(Find(r, "delete").outcome, Outcome::kOk);
  EXPECT_EQ(Probes(), 1u);  // the probe stays, and the report says so
  EXPECT_NE(Find(r, "delete").detail.find("stays behind"), std::string::npos);
}

TEST_F(DoctorTest, AServerThatOverwritesFails) {
  DoctorReport r = RunDoctor(config_, std::make_unique<Restricted>(Store(), false, true));
  EXPECT_EQ(Find(r, "create-only").outcome, Outcome::kFail);
  EXPECT_EQ(r.first_failure.code(), StatusCode::kFailedPrecondition);
}

// A create-only identity (an Azure SAS with 'c' but not 'w'): the store refuses a write over an existing
// object with 403, not with "already exists".
class CreateOnly final : public storage::ObjectStore {
 public:
  explicit CreateOnly(std::unique_ptr<storage::ObjectStore> inner) : inner_(std::move(inner)) {}
  std::string Describe() const override { return "azure://acct/c/vault"; }
  storage::StoreProperties Properties() const override { return inner_->Properties(); }
  Status Put(std::string_view k, std::span<const uint8_t> d) override {
    Status st = inner_->Put(k, d);
    if (st.code() == StatusCode::kAlreadyExists) {
      return Status::PermissionDenied("PUT " + std::string(k), "403 AuthorizationPermissionMismatch");
    }
    return st;
  }
  Status Get(std::string_view k, uint64_t o, uint64_t l, std::vector<uint8_t>* out) override {
    return inner_->Get(k, o, l, out);
  }
  Result<storage::ObjectInfo> Stat(std::string_view k) override { return inner_->Stat(k); }
  Status List(std::string_view p, const std::function<void(const storage::ObjectInfo&)>& fn) override {
    return inner_->List(p, fn);
  }
  Status Delete(std::string_view k) override {
    return Status::PermissionDenied("DELETE " + std::string(k), "403 AuthorizationPermissionMismatch");
  }

 private:
  std::unique_ptr<storage::ObjectStore> inner_;
};

TEST_F(DoctorTest, ACreateOnlyIdentityPassesTheCreateOnlyCheck) {
  DoctorReport r = RunDoctor(config_, std::make_unique<CreateOnly>(Store()));
  EXPECT_TRUE(r.first_failure.ok()) << r.first_failure.ToString();
  EXPECT_EQ(Find(r, "create-only").outcome, Outcome::kOk) << Find(r, "create-only").detail;
  EXPECT_NE(Find(r, "create-only").detail.find("may create but not overwrite"), std::string::npos);
  EXPECT_EQ(Find(r, "delete").outcome, Outcome::kOk);
}

TEST_F(DoctorTest, WrongKeyFailsWithoutAPermissionHint) {
  ::setenv("CV_DOCTOR_TEST_PASS", "wrong", 1);
  DoctorReport r = RunDoctor(config_, Store());
  EXPECT_EQ(Find(r, "vault key").outcome, Outcome::kFail);
  EXPECT_EQ(r.first_failure.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Find(r, "vault key").detail.find("grant"), std::string::npos) << Find(r, "vault key").detail;
  ::unsetenv("CV_DOCTOR_TEST_PASS");
  r = RunDoctor(config_, Store());
  EXPECT_EQ(Find(r, "vault key").outcome, Outcome::kSkipped);
}

TEST_F(DoctorTest, NoVaultYetSaysInit) {
  fs::create_directories(root_ / "empty");
  DoctorReport r =
      RunDoctor(config_, std::move(backends::OpenLocalStore((root_ / "empty").string(), false)).value());
  EXPECT_EQ(Find(r, "read").outcome, Outcome::kWarn);
  EXPECT_NE(Find(r, "read").detail.find("cassvault init"), std::string::npos);
}

TEST_F(DoctorTest, PlainHttpEndpointsAreFlagged) {
  config_.store.s3["endpoint"] = "http://minio.example.net:9000";
  DoctorReport r = RunDoctor(config_, std::make_unique<Restricted>(Store(), true, false));
  EXPECT_EQ(Find(r, "endpoint").outcome, Outcome::kWarn);
  EXPECT_NE(Find(r, "endpoint").detail.find("plain http to another host"), std::string::npos)
      << Find(r, "endpoint").detail;
  EXPECT_TRUE(r.first_failure.ok());  // a warning, not a failure: the operator decides

  config_.store.s3["endpoint"] = "http://127.0.0.1:7070";
  r = RunDoctor(config_, std::make_unique<Restricted>(Store(), true, false));
  EXPECT_NE(Find(r, "endpoint").detail.find("loopback"), std::string::npos) << Find(r, "endpoint").detail;

  config_.store.s3["endpoint"] = "https://s3.example.net";
  r = RunDoctor(config_, std::make_unique<Restricted>(Store(), true, false));
  EXPECT_EQ(Find(r, "endpoint").name, "missing");  // nothing to say about https
}

TEST_F(DoctorTest, RoleSummaryFollowsTheKeyAndWarnsAboutAWriterThatCanDelete) {
  // The admin key (the passphrase the vault was made with) on a store with every right: it can do all four.
  DoctorReport admin = RunDoctor(config_, Store());
  EXPECT_EQ(admin.key, IdentityKey::kAdmin);
  EXPECT_EQ(Find(admin, "roles").outcome, Outcome::kOk);
  EXPECT_EQ(Find(admin, "roles").detail.rfind("can do backup, restore, prune, admin (key: admin", 0), 0u)
      << Find(admin, "roles").detail;
  EXPECT_EQ(Find(admin, "role excess").name, "missing");

  // A writer slot (a backup node's key).
  {
    auto v = vault::Vault::Open(Store(), crypto::PassphraseSecret("right"));
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_TRUE((*v)->AddKeySlot(crypto::PassphraseSecret("node"), {.log2_n = 10, .r = 8, .p = 1},
                                 crypto::KeyRole::kWriter)
                    .ok());
  }
  ::setenv("CV_DOCTOR_TEST_PASS", "node", 1);
  DoctorReport deleting = RunDoctor(config_, std::make_unique<Restricted>(Store(), false, false));
  EXPECT_EQ(deleting.key, IdentityKey::kWriter);
  EXPECT_EQ(Find(deleting, "role excess").outcome, Outcome::kWarn);
  EXPECT_NE(Find(deleting, "role excess").detail.find("s3:DeleteObject"), std::string::npos)
      << Find(deleting, "role excess").detail;
  EXPECT_TRUE(deleting.first_failure.ok());  // loud, but a warning: the operator decides
  EXPECT_FALSE(deleting.roles.prune.can);

  ::setenv("CV_DOCTOR_TEST_PASS", "node", 1);  // doctor unsets it once read, as every command does
  DoctorReport node = RunDoctor(config_, std::make_unique<Restricted>(Store(), true, false));
  EXPECT_EQ(Find(node, "role excess").name, "missing");
  EXPECT_EQ(
      Find(node, "roles").detail,
      "can do backup (key: writer, the backup node's); not restore: needs a reader or admin key; not prune: "
      "needs store delete and an admin key; not admin: needs an admin key");
}

}  // namespace
}  // namespace cv::ops
