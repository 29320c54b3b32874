// Backup marks in the vault (vault/backup_marks.h): admin-signed, refused from a writer key before anything
// is written, forged marks skipped and named, compaction that folds the objects into one.
#include "vault/backup_marks.h"

#include <gtest/gtest.h>

#include "core/vault_layout.h"
#include "vault/vault_objects_test_util.h"

namespace cv::vault {
namespace {

using testutil::FilesUnder;
using BackupMarksStoreTest = testutil::TwoKeyVaultTest;
using layout::ObjectKind;
using marks::Entry;
using marks::Op;

constexpr int64_t kNow = 1764979200;  // 2025-12-06T00:00:00Z
constexpr char kA[] = "20251205T100000Z-0a0b0c0d";
constexpr char kB[] = "20251205T110000Z-01020304";

Entry E(Op op, std::string backup, int64_t at, int64_t until = 0) {
  return Entry{op, std::move(backup), "", at, until, "forget by hand", "admin"};
}

TEST_F(BackupMarksStoreTest, AppendLoadAndEveryRoleReads) {
  auto admin = Open();
  ASSERT_TRUE(admin->marks().Append({E(Op::kForget, kA, kNow, kNow + 86400)}, kNow).ok());
  ASSERT_TRUE(admin->marks().Append({E(Op::kLock, kB, kNow + 1, kNow + 1000)}, kNow + 1).ok());
  EXPECT_EQ(FilesUnder(root(), "marks").size(), 2u);
  auto writer = Open("writer");
  auto st = writer->marks().Load();
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_TRUE(st->Of(kA, "t").deleted);
  EXPECT_EQ(st->Of(kA, "t").purge_after, kNow + 86400);
  EXPECT_EQ(st->Of(kB, "t").locked_until, kNow + 1000);
  EXPECT_TRUE(writer->Problems().empty());
}

TEST_F(BackupMarksStoreTest, WriterKeyRefusedBeforeAnythingIsWritten) {
  auto writer = Open("writer");
  Status st = writer->marks().Append({E(Op::kForget, kA, kNow, kNow)}, kNow);
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  EXPECT_NE(st.message().find("admin key"), std::string::npos) << st.ToString();
  EXPECT_TRUE(FilesUnder(root(), "marks").empty());
  // A malformed entry is refused before anything is written, too.
  auto admin = Open();
  st = admin->marks().Append({E(Op::kForget, "../../config", kNow, kNow)}, kNow);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_TRUE(FilesUnder(root(), "marks").empty());
}

// A writer key seals under marks/ (it holds the metadata root) but cannot sign: its "undelete" or "forget"
// counts for nothing and is named.
TEST_F(BackupMarksStoreTest, ForgedMarkSkippedAndNamed) {
  auto admin = Open();
  ASSERT_TRUE(admin->marks().Append({E(Op::kForget, kA, kNow, kNow + 86400)}, kNow).ok());
  auto writer = Open("writer");
  marks::MarkObject forged{kNow + 5, {E(Op::kUndelete, kA, kNow + 5), E(Op::kForget, kB, kNow + 5)}, {}};
  std::string payload = marks::MarkObjectToJson(forged);
  std::vector<uint8_t> plain(64, 0);
  plain.insert(plain.end(), payload.begin(), payload.end());
  const std::string key = "marks/" + layout::TimeStamp(kNow + 5) + "-00000000000000ff";
  ASSERT_TRUE(writer->objects().PutSealed(ObjectKind::kBackupMark, key, plain).ok());
  auto reader = Open("writer");
  auto st = reader->marks().Load();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->Of(kA, "t").deleted);
  EXPECT_FALSE(st->Of(kB, "t").deleted);
  bool named = false;
  for (const auto& p : reader->Problems()) named |= p.object == key;
  EXPECT_TRUE(named);
}

TEST_F(BackupMarksStoreTest, CompactFoldsIntoOneAndAKilledCompactionCountsOnce) {
  auto admin = Open();
  ASSERT_TRUE(admin->marks().Append({E(Op::kForget, kA, kNow, kNow + 10)}, kNow).ok());
  ASSERT_TRUE(admin->marks().Append({E(Op::kUndelete, kA, kNow + 1)}, kNow + 1).ok());
  ASSERT_TRUE(admin->marks().Append({E(Op::kForget, kB, kNow + 2, kNow + 20)}, kNow + 2).ok());
  std::vector<std::string> before = FilesUnder(root(), "marks");
  ASSERT_EQ(before.size(), 3u);
  ASSERT_TRUE(admin->marks().Compact(kNow + 3).ok());
  std::vector<std::string> after = FilesUnder(root(), "marks");
  ASSERT_EQ(after.size(), 1u);
  auto st = admin->marks().Load();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size(), 1u);  // A's forget and undelete cancelled out; B's forget stays
  EXPECT_FALSE(st->Of(kA, "t").deleted);
  EXPECT_TRUE(st->Of(kB, "t").deleted);

  // A compaction killed after its write: restore an old object it superseded (as if its delete never ran).
  // The old forget of A must not come back.
  ASSERT_TRUE(admin->marks().Append({E(Op::kForget, kA, kNow + 4, kNow + 40)}, kNow + 4).ok());
  ASSERT_TRUE(admin->marks().Append({E(Op::kUndelete, kA, kNow + 5)}, kNow + 5).ok());
  std::vector<std::string> three = FilesUnder(root(), "marks");
  ASSERT_EQ(three.size(), 3u);
  std::vector<uint8_t> forget_bytes;
  ASSERT_TRUE(admin->objects().Read(ObjectKind::kBackupMark, three[1], std::nullopt, &forget_bytes).ok());
  ASSERT_TRUE(admin->marks().Compact(kNow + 6).ok());
  ASSERT_EQ(FilesUnder(root(), "marks").size(), 1u);
  ASSERT_TRUE(admin->store().Put(three[1], forget_bytes).ok());
  st = admin->marks().Load();
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->Of(kA, "t").deleted);
  // The next compaction removes the leftover for good.
  ASSERT_TRUE(admin->marks().Compact(kNow + 7).ok());
  EXPECT_EQ(FilesUnder(root(), "marks").size(), 1u);
  st = admin->marks().Load();
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->Of(kA, "t").deleted);
  EXPECT_TRUE(st->Of(kB, "t").deleted);
}

}  // namespace
}  // namespace cv::vault
