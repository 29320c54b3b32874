// The audit trail on a real local v2 vault (vault/audit_log.h, vault/audit_checkpoint.h, ops/audit_trail.h,
// ops/audit_verify.h): chains, races, what verification names, checkpoints, and what a record never holds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/vault_layout.h"
#include "ops/audit_trail.h"
#include "ops/audit_verify.h"
#include "storage/counting_store.h"
#include "vault/audit_checkpoint.h"
#include "vault/audit_log.h"
#include "vault/vault_objects_test_util.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using vault::testutil::FilesUnder;

constexpr char kWriter[] = "0123456789abcdef";
constexpr char kAdminPass[] = "admin";

class AuditTest : public vault::testutil::TwoKeyVaultTest {
 protected:
  // Appends n records to kWriter's chain.
  void AppendN(vault::Vault& v, int n) {
    vault::AuditLog log(v.objects(), kWriter);
    for (int i = 0; i < n; ++i) {
      auto e = log.Append(json{{"op", "test"}, {"i", i}});
      ASSERT_TRUE(e.ok()) << e.status().ToString();
    }
  }
  std::string Key(uint64_t seq) { return layout::AuditRecordKey(kWriter, seq); }
  std::vector<uint8_t> Bytes(const std::string& key) {
    std::ifstream in(root() / key, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void Write(const std::string& key, const std::vector<uint8_t>& b) {
    fs::permissions(root() / key, fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(root() / key, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(b.data()), b.size());
  }
  // The findings of a verification, as "kind object" lines.
  std::vector<std::string> Findings(vault::Vault& v) {
    auto r = VerifyAuditTrail(v);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    for (const auto& f : r->findings) out.push_back(f.kind + " " + f.object);
    return out;
  }
};

TEST_F(AuditTest, AppendsALinearChainEachRecordNamingThePreviousStoredBytes) {
  auto v = Open();
  AppendN(*v, 3);
  std::string prev;
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    auto e = vault::AuditLog::Read(v->objects(), Key(seq));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ(e->record["seq"], seq);
    EXPECT_EQ(e->record["prev"], prev);
    EXPECT_EQ(e->hash, vault::AuditHash(Bytes(Key(seq))));
    prev = e->hash;
  }
  EXPECT_TRUE(Findings(*v).empty());
}

TEST_F(AuditTest, FindsTheHeadWithoutAListingInLogarithmicRequests) {
  auto v = Open();
  AppendN(*v, 37);
  auto counting = std::make_unique<storage::CountingStore>(vault::testutil::LocalStoreAt(root()));
  storage::CountingStore* c = counting.get();
  auto w = Open(kAdminPass, std::move(counting));
  c->Reset();
  vault::AuditLog log(w->objects(), kWriter);
  auto head = log.FindHead();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->seq, 37u);
  EXPECT_EQ(head->hash, vault::AuditHash(Bytes(Key(37))));
  EXPECT_EQ(c->counts().lists, 0u);
  EXPECT_LE(c->counts().Requests(), 16u);  // 7 doublings, 5 bisections, a GET of 38 and of 37
  // With the head known, an append is a GET of the next seq and a PUT.
  c->Reset();
  ASSERT_TRUE(log.Append(json{{"op", "test"}}, *head).ok());
  EXPECT_EQ(c->counts().lists, 0u);
  EXPECT_EQ(c->counts().Requests(), 2u);
}

TEST_F(AuditTest, ConcurrentWritersOnOneHostKeepOneLinearChain) {
  auto v = Open();
  std::vector<std::thread> threads;
  threads.reserve(6);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      vault::AuditLog log(v->objects(), kWriter);
      for (int i = 0; i < 8; ++i) {
        // A stale known head (the first record or none) forces the probe and the create-only race.
        auto e = log.Append(json{{"op", "race"}, {"t", t}, {"i", i}});
        EXPECT_TRUE(e.ok()) << e.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(FilesUnder(root(), "audit").size(), 48u);
  EXPECT_TRUE(Findings(*v).empty());
}

TEST_F(AuditTest, VerifyNamesAnEditedRecord) {
  auto v = Open();
  AppendN(*v, 4);
  auto b = Bytes(Key(2));
  b[b.size() / 2] ^= 1;
  Write(Key(2), b);
  auto f = Findings(*v);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0], "modified " + Key(2));
  // Its successor no longer follows the stored bytes either.
  EXPECT_NE(std::find(f.begin(), f.end(), "reordered " + Key(3)), f.end());
}

TEST_F(AuditTest, VerifyNamesADeletedRecord) {
  auto v = Open();
  AppendN(*v, 4);
  fs::remove(root() / Key(3));
  EXPECT_EQ(Findings(*v), std::vector<std::string>{"deleted " + Key(3)});
}

TEST_F(AuditTest, VerifyNamesSwappedRecords) {
  auto v = Open();
  AppendN(*v, 4);
  auto b2 = Bytes(Key(2)), b3 = Bytes(Key(3));
  Write(Key(2), b3);
  Write(Key(3), b2);
  auto f = Findings(*v);
  EXPECT_NE(std::find(f.begin(), f.end(), "reordered " + Key(2)), f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), "reordered " + Key(3)), f.end());
}

// Someone holding a writer key can seal records under any name: a reordering done that way opens, and the
// chain (prev) is what shows it.
TEST_F(AuditTest, VerifyNamesARechainedReorderByAWriterKey) {
  auto v = Open();
  AppendN(*v, 4);
  auto w = Open("writer");
  auto r2 = vault::AuditLog::Read(w->objects(), Key(2)), r3 = vault::AuditLog::Read(w->objects(), Key(3));
  ASSERT_TRUE(r2.ok() && r3.ok());
  json a = r3->record, b = r2->record;
  a["seq"] = 2;
  b["seq"] = 3;
  for (auto [seq, rec] : {std::pair<uint64_t, json>{2, a}, {3, b}}) {
    auto sealed = w->keys().Seal(layout::ObjectKind::kAuditRecord, Key(seq), crypto::AsBytes(rec.dump()));
    ASSERT_TRUE(sealed.ok());
    Write(Key(seq), *sealed);
  }
  auto f = Findings(*w);
  EXPECT_NE(std::find(f.begin(), f.end(), "reordered " + Key(2)), f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), "reordered " + Key(3)), f.end());
}

// A writer key seals whatever it likes: a record whose fields have the wrong types (a float seq, a number
// for the writer, an array for the time) is named, never a crash or undefined behaviour, in `audit` and in
// `audit --verify`.
TEST_F(AuditTest, RecordsWithIllTypedFieldsAreNamedNotFatal) {
  auto v = Open();
  AppendN(*v, 2);
  auto w = Open("writer");
  const json forged[] = {
      json{{"seq", 3.3e125}, {"writer", kWriter}, {"time", 1}, {"op", "x"}},
      json{{"seq", 3}, {"writer", 42}, {"time", 1}, {"op", "x"}},
      json{{"seq", 3}, {"writer", kWriter}, {"time", json::array()}, {"op", 7}, {"host", 1.5}},
  };
  for (const json& rec : forged) {
    auto sealed = w->keys().Seal(layout::ObjectKind::kAuditRecord, Key(3), crypto::AsBytes(rec.dump()));
    ASSERT_TRUE(sealed.ok());
    fs::remove(root() / Key(3));
    std::ofstream(root() / Key(3), std::ios::binary)
        .write(reinterpret_cast<const char*>(sealed->data()), static_cast<std::streamsize>(sealed->size()));
    std::vector<std::string> skipped;
    auto all = ReadAuditRecords(*w, AuditQuery{.since = 0, .node = "h", .op = "x"}, &skipped);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_FALSE(Findings(*w).empty()) << rec.dump();
  }
}

TEST_F(AuditTest, ACheckpointCatchesARemovedTailAndAWholeWriterRemoved) {
  auto v = Open();
  AppendN(*v, 5);
  vault::AuditLog other(v->objects(), "fedcba9876543210");
  ASSERT_TRUE(other.Append(json{{"op", "test"}}).ok());
  auto cp = WriteAuditCheckpointNow(*v, "test", 1764979200);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->heads.at(kWriter).seq, 5u);
  EXPECT_TRUE(Findings(*v).empty());
  fs::remove(root() / Key(5));
  fs::remove(root() / Key(4));
  fs::remove_all(root() / "audit/fedcba9876543210");
  auto f = Findings(*v);
  ASSERT_EQ(f.size(), 2u) << ::testing::PrintToString(f);
  EXPECT_EQ(f[0], "tail-removed " + Key(5));
  EXPECT_EQ(f[1], "tail-removed " + layout::AuditRecordKey("fedcba9876543210", 1));
}

TEST_F(AuditTest, CheckpointsNeedTheAdminKeyAndTheirChainShowsARemovedOne) {
  auto w = Open("writer");
  AppendN(*w, 1);
  auto refused = WriteAuditCheckpointNow(*w, "node", 1764979200);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(FilesUnder(root(), "audit-checkpoints").empty());

  auto v = Open();
  auto c1 = WriteAuditCheckpointNow(*v, "test", 1764979200);
  AppendN(*v, 1);
  auto c2 = WriteAuditCheckpointNow(*v, "test", 1764979300);
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_EQ(c2->prev_key, c1->key);
  EXPECT_EQ(c2->prev_hash, c1->hash);
  EXPECT_TRUE(Findings(*v).empty());

  // A checkpoint forged with the writer key (sealed, not signed) does not verify.
  const std::string forged = layout::AuditCheckpointKey(1764979400, "0123456789abcdef");
  ASSERT_TRUE(w->objects()
                  .PutSealed(layout::ObjectKind::kAuditCheckpoint, forged,
                             crypto::AsBytes(std::string(64, 'x') + "{}"))
                  .ok());
  auto f = Findings(*v);
  ASSERT_EQ(f.size(), 1u) << ::testing::PrintToString(f);
  EXPECT_EQ(f[0], "checkpoint " + forged);
  fs::remove(root() / forged);

  fs::remove(root() / c1->key);
  f = Findings(*v);
  ASSERT_EQ(f.size(), 1u) << ::testing::PrintToString(f);
  EXPECT_EQ(f[0], "checkpoint " + c2->key);
}

TEST_F(AuditTest, TrailRecordsWhoAndTheOutcomeAndHoldsNoSecret) {
  constexpr char kSecret[] = "correct horse audit 41f9";
  auto slot = Open()->AddKeySlot(crypto::PassphraseSecret(kSecret), vault::testutil::FastScrypt(),
                                 crypto::KeyRole::kAdmin);
  ASSERT_TRUE(slot.ok());
  auto v = Open(kSecret);
  auto trail = AuditTrail::For(*v);
  ASSERT_TRUE(trail->enabled());
  auto intent = trail->Begin(AuditEvent{"prune", {"daily"}, json{{"dry_run", false}}, ""});
  ASSERT_TRUE(intent.ok()) << intent.status().ToString();
  ASSERT_TRUE(
      trail->Finish(*intent, Status::FailedPrecondition("prune", "lease held"), json{{"purged", 0}}).ok());
  ASSERT_TRUE(trail->Record(AuditEvent{"verify.deep", {}, {}, ""}, Status::OK()).ok());
  std::vector<std::string> keys = FilesUnder(root(), "audit");
  ASSERT_EQ(keys.size(), 3u);
  auto started = vault::AuditLog::Read(v->objects(), keys[0]);
  auto finished = vault::AuditLog::Read(v->objects(), keys[1]);
  ASSERT_TRUE(started.ok() && finished.ok());
  EXPECT_EQ(started->record["outcome"]["status"], "started");
  EXPECT_EQ(started->record["op"], "prune");
  EXPECT_EQ(started->record["targets"], json::array({"daily"}));
  EXPECT_EQ(started->record["key_slot"], *slot);
  EXPECT_EQ(started->record["role"], "admin");
  EXPECT_EQ(started->record["actor"]["kind"], "local-user");
  EXPECT_EQ(finished->record["outcome"]["status"], "refused");
  EXPECT_EQ(finished->record["intent"], started->seq);
  EXPECT_EQ(finished->record["details"]["purged"], 0);
  EXPECT_NE(finished->record["outcome"]["message"].get<std::string>().find("lease held"), std::string::npos);
  // The writer id is a keyed hash: it names neither host nor role, and is stable for both.
  EXPECT_EQ(started->writer, AuditTrail::For(*v)->writer());
  EXPECT_NE(started->writer, AuditTrail::For(*Open("writer"))->writer());
  // Nothing in clear: no record's stored bytes hold its op or host, and no plaintext holds a passphrase.
  for (const auto& k : keys) {
    std::vector<uint8_t> b = Bytes(k);
    std::string s(b.begin(), b.end());
    EXPECT_EQ(s.find("prune"), std::string::npos);
    EXPECT_EQ(s.find(started->record["host"].get<std::string>()), std::string::npos);
    EXPECT_EQ(s.find(kSecret), std::string::npos);
    auto e = vault::AuditLog::Read(v->objects(), k);
    ASSERT_TRUE(e.ok());
    const std::string text = e->record.dump();
    EXPECT_EQ(text.find(kSecret), std::string::npos);
  }
}

TEST_F(AuditTest, BeginRefusesWhenTheIntentCannotBeWrittenAndWritesNothing) {
  auto v = Open();
  std::ofstream(root() / "audit") << "not a directory";
  auto trail = AuditTrail::For(*v);
  auto intent = trail->Begin(AuditEvent{"prune", {}, {}, ""});
  ASSERT_FALSE(intent.ok());
  EXPECT_NE(intent.status().message().find("was not started"), std::string::npos)
      << intent.status().ToString();
  EXPECT_TRUE(fs::is_regular_file(root() / "audit"));
}

TEST_F(AuditTest, TheHeadCacheMakesAnAppendTwoRequestsAndVerifyChecksIt) {
  vault::testutil::ScratchDir cache("cv-audit-cache", "head");
  Config cfg;
  cfg.cache_dir = cache.path().string();
  auto v = Open();
  auto trail = AuditTrail::For(*v, cfg);
  ASSERT_TRUE(trail->Record(AuditEvent{"settings", {}, {}, ""}, Status::OK()).ok());
  ASSERT_TRUE(trail->Record(AuditEvent{"settings", {}, {}, ""}, Status::OK()).ok());
  auto heads = LocalAuditHeads(cfg.cache_dir, v->vault_id());
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(heads.begin()->second.seq, 2u);
  auto r = VerifyAuditTrail(*v, heads);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  fs::remove(root() / layout::AuditRecordKey(trail->writer(), 2));
  r = VerifyAuditTrail(*v, heads);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].kind, "tail-removed");
}

}  // namespace
}  // namespace cv::ops
