#include "ops/doctor_roles.h"

#include <gtest/gtest.h>

namespace cv::ops {
namespace {

IdentityFacts Store(bool read, bool list, bool create, bool del, IdentityKey key) {
  return {.read = read, .list = list, .create = create, .del = del, .key = key};
}

TEST(DoctorRoles, CreateOnlyWriterIsABackupNodeAndNothingElse) {
  RoleSummary s = DeriveRoles(Store(true, true, true, false, IdentityKey::kWriter), "azure://acct/c/v");
  EXPECT_EQ(s.key, "writer");
  EXPECT_EQ(s.identity, "backup node");
  EXPECT_TRUE(s.backup.can);
  EXPECT_FALSE(s.restore.can);
  EXPECT_EQ(s.restore.missing, "a reader or admin key");
  EXPECT_FALSE(s.prune.can);
  EXPECT_EQ(s.prune.missing, "store delete and an admin key");
  EXPECT_FALSE(s.admin.can);
  EXPECT_EQ(s.admin.missing, "an admin key");
  EXPECT_TRUE(s.excess.empty());
  EXPECT_EQ(CanDoList(s), "backup");
}

TEST(DoctorRoles, WriterThatCanDeleteIsWarnedWithTheRightToRemovePerBackend) {
  RoleSummary az = DeriveRoles(Store(true, true, true, true, IdentityKey::kWriter), "azure://acct/c/v");
  ASSERT_EQ(az.excess.size(), 1u);
  EXPECT_NE(az.excess[0].find("backup node (writer key) can DELETE"), std::string::npos) << az.excess[0];
  EXPECT_NE(az.excess[0].find("SAS permissions 'd'"), std::string::npos) << az.excess[0];
  EXPECT_NE(az.excess[0].find("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"),
            std::string::npos);
  // Delete alone does not make it a pruner: that needs the admin key too.
  EXPECT_FALSE(az.prune.can);
  EXPECT_EQ(az.prune.missing, "an admin key");

  RoleSummary s3 = DeriveRoles(Store(true, true, true, true, IdentityKey::kWriter), "s3://bucket/v");
  ASSERT_EQ(s3.excess.size(), 1u);
  EXPECT_NE(s3.excess[0].find("s3:DeleteObject"), std::string::npos) << s3.excess[0];
  RoleSummary local = DeriveRoles(Store(true, true, true, true, IdentityKey::kWriter), "/var/vault");
  ASSERT_EQ(local.excess.size(), 1u);
  EXPECT_NE(local.excess[0].find("write permission on the vault's directories"), std::string::npos);
}

TEST(DoctorRoles, WriterWithKeyVaultUnwrapOrSignIsWarnedEach) {
  IdentityFacts f = Store(true, true, true, false, IdentityKey::kWriter);
  f.key_vault = true;
  EXPECT_TRUE(DeriveRoles(f, "azure://a/c").excess.empty());  // get/wrap only: what a node may hold
  f.kv_unwrap = true;
  f.kv_sign = true;
  RoleSummary s = DeriveRoles(f, "azure://a/c");
  ASSERT_EQ(s.excess.size(), 2u);
  EXPECT_NE(s.excess[0].find("keys/unwrap/action"), std::string::npos) << s.excess[0];
  EXPECT_NE(s.excess[1].find("keys/sign/action"), std::string::npos) << s.excess[1];
  // The Key Vault right does not turn the writer into a reader: the key decides.
  EXPECT_FALSE(s.restore.can);
}

TEST(DoctorRoles, ReaderRestoresAndMayCreateButNotDeleteOrSign) {
  RoleSummary ro = DeriveRoles(Store(true, true, false, false, IdentityKey::kReader), "s3://b/v");
  EXPECT_EQ(ro.identity, "restore operator");
  EXPECT_TRUE(ro.restore.can);
  EXPECT_FALSE(ro.backup.can);
  EXPECT_EQ(ro.backup.missing, "store create");
  EXPECT_TRUE(ro.excess.empty());
  // Create is no excess: restore writes its audit records, and a reader key can back up anyway.
  RoleSummary rc = DeriveRoles(Store(true, true, true, false, IdentityKey::kReader), "s3://b/v");
  EXPECT_TRUE(rc.excess.empty());
  EXPECT_EQ(CanDoList(rc), "backup, restore");
  IdentityFacts f = Store(true, true, true, true, IdentityKey::kReader);
  f.kv_unwrap = f.kv_sign = f.key_vault = true;
  RoleSummary rd = DeriveRoles(f, "s3://b/v");
  ASSERT_EQ(rd.excess.size(), 2u);  // delete and sign; unwrap is what a restore operator needs
  EXPECT_NE(rd.excess[0].find("restore operator (reader key) can DELETE"), std::string::npos);
  EXPECT_NE(rd.excess[1].find("sign"), std::string::npos);
}

TEST(DoctorRoles, AdminWithDeleteDoesEverythingAndWithoutItCannotPrune) {
  RoleSummary all = DeriveRoles(Store(true, true, true, true, IdentityKey::kAdmin), "azure://a/c");
  EXPECT_EQ(CanDoList(all), "backup, restore, prune, admin");
  EXPECT_TRUE(all.excess.empty());
  RoleSummary nodel = DeriveRoles(Store(true, true, true, false, IdentityKey::kAdmin), "azure://a/c");
  EXPECT_FALSE(nodel.prune.can);
  EXPECT_EQ(nodel.prune.missing, "store delete");
  EXPECT_TRUE(nodel.admin.can);
}

TEST(DoctorRoles, NoKeyOrV1KeyImpliesNoRoleAndNoExcess) {
  RoleSummary none = DeriveRoles(Store(true, true, true, true, IdentityKey::kNone), "azure://a/c");
  EXPECT_EQ(none.key, "none");
  EXPECT_EQ(none.identity, "");
  EXPECT_EQ(CanDoList(none), "nothing");
  EXPECT_EQ(none.backup.missing, "a vault key");
  EXPECT_TRUE(none.excess.empty());  // doctor's own delete check warns about delete
  RoleSummary v1 = DeriveRoles(Store(true, true, true, true, IdentityKey::kV1), "azure://a/c");
  EXPECT_EQ(CanDoList(v1), "backup, restore, prune, admin");
  EXPECT_TRUE(v1.excess.empty());
  RoleSummary ro = DeriveRoles(Store(true, false, false, false, IdentityKey::kV1), "azure://a/c");
  EXPECT_EQ(ro.restore.missing, "store list");
  EXPECT_EQ(ro.prune.missing, "store list, create, delete");
}

}  // namespace
}  // namespace cv::ops
