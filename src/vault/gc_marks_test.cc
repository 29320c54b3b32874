// gc marks (kind 27): signed by the admin key inside the seal; a writer key reads them but cannot write one,
// and an unsigned object under gc/ is ignored (named as a problem) by prune and by every loader.
#include "vault/gc_marks.h"

#include <gtest/gtest.h>

#include "backends/local/local_store.h"
#include "vault/testing.h"

namespace cv::vault {
namespace {

using testutil::FastScrypt;

class GcMarksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(Store(true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_TRUE(
        (*v)->AddKeySlot(crypto::PassphraseSecret("writer"), FastScrypt(), crypto::KeyRole::kWriter).ok());
  }
  std::unique_ptr<storage::ObjectStore> Store(bool create = false) {
    return std::move(backends::OpenLocalStore(scratch_.path().string(), create)).value();
  }
  std::unique_ptr<Vault> Open(const std::string& pass) {
    auto v = Vault::Open(Store(), crypto::PassphraseSecret(pass));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }
  testutil::ScratchDir scratch_{"cv-gcmarks",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name()};
};

TEST_F(GcMarksTest, AMarkRoundTripsAndEveryRoleReadsIt) {
  auto admin = Open("admin");
  GcMark m;
  m.written_at = 1764079200;
  m.grace = 3600;
  m.by = "test";
  m.candidates = {"refs/20251125T140000Z-0a0b0c0d", "packs/a0a0a0a0a0a0a0a0/ab/" + std::string(64, 'a')};
  ASSERT_TRUE(WriteGcMark(admin->objects(), &m).ok());
  EXPECT_EQ(m.name.substr(0, 20), "gc/20251125T140000Z-");
  auto writer = Open("writer");
  ProblemLog problems;
  auto marks = LoadGcMarks(writer->objects(), problems);
  ASSERT_TRUE(marks.ok()) << marks.status().ToString();
  ASSERT_EQ(marks->size(), 1u);
  EXPECT_EQ((*marks)[0].name, m.name);
  EXPECT_EQ((*marks)[0].written_at, m.written_at);
  EXPECT_EQ((*marks)[0].candidates.size(), 2u);
  EXPECT_EQ(CandidatePacks(*marks).size(), 1u);
  // Only marks written since a time are read when asked (the name says when).
  auto later = LoadGcMarks(writer->objects(), problems, m.written_at + 1);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->empty());
}

TEST_F(GcMarksTest, AWriterKeyCannotWriteOneAndAnUnsignedOneIsIgnored) {
  auto writer = Open("writer");
  GcMark m;
  m.written_at = 1764079200;
  m.candidates = {"packs/a0a0a0a0a0a0a0a0/ab/" + std::string(64, 'a')};
  Status st = WriteGcMark(writer->objects(), &m);
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  std::vector<std::string> keys;
  ASSERT_TRUE(Store()->List("gc/", [&](const storage::ObjectInfo& o) { keys.push_back(o.key); }).ok());
  EXPECT_TRUE(keys.empty());
  // Sealed under the metadata root (which the writer holds) but not signed: prune's loaders ignore it.
  const std::string forged = "gc/20251125T140000Z-0123456789abcdef";
  ASSERT_TRUE(writer->objects()
                  .PutSealed(layout::ObjectKind::kGcMark, forged, crypto::AsBytes(GcMarkToJson(m)))
                  .ok());
  ProblemLog problems;
  auto marks = LoadGcMarks(writer->objects(), problems);
  ASSERT_TRUE(marks.ok());
  EXPECT_TRUE(marks->empty());
  ASSERT_EQ(problems.All().size(), 1u);
  EXPECT_EQ(problems.All()[0].object, forged);
  EXPECT_NE(problems.All()[0].problem.find("not signed by this vault's admin key"), std::string::npos);
}

}  // namespace
}  // namespace cv::vault
