// The contract checks. Each test starts on an empty store and says which promise of object_store.h it
// holds the backend to.
#include "storage/store_contract.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <map>
#include <random>
#include <set>
#include <thread>

namespace cv::storage::testing {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

std::map<std::string, uint64_t> ListAll(ObjectStore& s, std::string_view prefix) {
  std::map<std::string, uint64_t> out;
  Status st = s.List(prefix, [&](const ObjectInfo& o) {
    EXPECT_TRUE(out.emplace(o.key, o.size).second) << "listed twice: " << o.key;
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

std::vector<uint8_t> MustGet(ObjectStore& s, std::string_view key, uint64_t offset = 0, uint64_t length = 0) {
  std::vector<uint8_t> out;
  Status st = s.Get(key, offset, length, &out);
  EXPECT_TRUE(st.ok()) << key << " [" << offset << "," << length << "): " << st.ToString();
  return out;
}

}  // namespace

std::string ContractTargetName(const ::testing::TestParamInfo<ContractTarget>& info) {
  return info.param.name;
}

void ObjectStoreContract::SetUp() {
  static std::atomic<int> counter{0};
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : test) {
    if (c == '/') c = '-';
  }
  unique_ = "cv-contract-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + test;
  auto s = GetParam().open(unique_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(s).value();
  ASSERT_TRUE(ListAll(*store_, "").empty()) << "the namespace of a new test is not empty";
}

void ObjectStoreContract::TearDown() {
  if (GetParam().cleanup) {
    GetParam().cleanup(unique_);
  } else if (store_) {
    for (const auto& [key, size] : ListAll(*store_, "")) EXPECT_TRUE(store_->Delete(key).ok()) << key;
  }
}

TEST_P(ObjectStoreContract, PutThenGetReturnsTheBytes) {
  const std::map<std::string, std::vector<uint8_t>> objects = {
      {"config", Bytes("vault config")},
      {"packs/ab/abcdef0123456789", Random(70000, 1)},
      {"backups/20261125T141500Z-1a2b3c4d", Bytes("record")},
      {"keys/slot_1.v-2", Bytes("")},  // empty objects exist too
  };
  for (const auto& [k, v] : objects) ASSERT_TRUE(store_->Put(k, v).ok()) << k;
  for (const auto& [k, v] : objects) EXPECT_EQ(MustGet(*store_, k), v) << k;
}

// A small object read by name in one request: the whole of it up to a bound, refused past the bound, and
// NotFound for none (the engine reads config, node aliases, content keys and manifests this way).
TEST_P(ObjectStoreContract, GetUpToReadsWholeObjectsWithinTheBound) {
  ASSERT_TRUE(store_->Put("nodes/a", Bytes("alias bytes")).ok());
  ASSERT_TRUE(store_->Put("nodes/empty", Bytes("")).ok());
  ASSERT_TRUE(store_->Put("nodes/big", Random(5000, 3)).ok());
  std::vector<uint8_t> out;
  ASSERT_TRUE(store_->GetUpTo("nodes/a", 11, "node alias", &out).ok());
  EXPECT_EQ(out, Bytes("alias bytes"));
  out = Bytes("stale");
  ASSERT_TRUE(store_->GetUpTo("nodes/empty", 4096, "node alias", &out).ok());
  EXPECT_TRUE(out.empty());
  Status big = store_->GetUpTo("nodes/big", 4096, "node alias", &out);
  EXPECT_TRUE(big.IsCorruption()) << big.ToString();
  EXPECT_NE(big.message().find("more than a node alias can be (4096)"), std::string::npos) << big.ToString();
  EXPECT_NE(big.message().find("nodes/big"), std::string::npos) << big.ToString();
  Status none = store_->GetUpTo("nodes/none", 4096, "node alias", &out);
  EXPECT_TRUE(none.IsNotFound()) << none.ToString();
}

TEST_P(ObjectStoreContract, PutIsCreateOnlyAndKeepsTheFirstBytes) {
  ASSERT_TRUE(store_->Put("packs/ab/abcd", Bytes("first")).ok());
  Status again = store_->Put("packs/ab/abcd", Bytes("second, longer"));
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_NE(again.message().find("packs/ab/abcd"), std::string::npos) << "the message names the key";
  EXPECT_EQ(MustGet(*store_, "packs/ab/abcd"), Bytes("first"));
  auto info = store_->Stat("packs/ab/abcd");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 5u);
}

TEST_P(ObjectStoreContract, RangedGetsAndShortObjects) {
  ASSERT_TRUE(store_->Put("k", Bytes("0123456789")).ok());
  EXPECT_EQ(MustGet(*store_, "k", 3, 4), Bytes("3456"));
  EXPECT_EQ(MustGet(*store_, "k", 0, 10), Bytes("0123456789"));
  EXPECT_EQ(MustGet(*store_, "k", 7, 0), Bytes("789"));  // length 0: to the end
  EXPECT_EQ(MustGet(*store_, "k", 9, 1), Bytes("9"));
  EXPECT_EQ(MustGet(*store_, "k", 10, 0), Bytes(""));  // to the end, from the end
  std::vector<uint8_t> out;
  Status past = store_->Get("k", 8, 5, &out);
  EXPECT_TRUE(past.IsCorruption()) << past.ToString();
  Status beyond = store_->Get("k", 20, 1, &out);
  EXPECT_TRUE(beyond.IsCorruption()) << beyond.ToString();
  Status missing = store_->Get("missing", 0, 0, &out);
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
  EXPECT_TRUE(store_->Get("missing", 2, 3, &out).IsNotFound());
}

// object_store.h: with a length, exactly that many bytes or an error naming the object; never a partial
// buffer handed out as if it were the range.
TEST_P(ObjectStoreContract, ExactLengthReadsAreExactOrFail) {
  const auto data = Random(100000, 7);
  ASSERT_TRUE(store_->Put("packs/aa/exact", data).ok());
  for (auto [off, len] :
       std::vector<std::pair<uint64_t, uint64_t>>{{0, 100000}, {1, 99999}, {99999, 1}, {4096, 65536}}) {
    auto got = MustGet(*store_, "packs/aa/exact", off, len);
    ASSERT_EQ(got.size(), len) << off << "+" << len;
    EXPECT_TRUE(std::equal(got.begin(), got.end(), data.begin() + static_cast<std::ptrdiff_t>(off)));
  }
  for (auto [off, len] :
       std::vector<std::pair<uint64_t, uint64_t>>{{0, 100001}, {99999, 2}, {100000, 1}, {100001, 0}}) {
    std::vector<uint8_t> out = Bytes("stale");
    Status st = store_->Get("packs/aa/exact", off, len, &out);
    EXPECT_TRUE(st.IsCorruption()) << off << "+" << len << ": " << st.ToString();
    EXPECT_NE(st.ToString().find("packs/aa/exact"), std::string::npos)
        << "the message names the object: " << st.ToString();
  }
  EXPECT_EQ(MustGet(*store_, "packs/aa/exact", 0, 0), data);  // length 0: the whole object, as Stat sizes it
}

// ObjectInfo::modified is when the store wrote the object (prune's grace rule reads it): this machine's
// clock and the server's agree within a few minutes, as signed requests already require.
namespace {
void ExpectRecentlyModified(const ObjectInfo& info, int64_t before) {
  const int64_t now = static_cast<int64_t>(::time(nullptr));
  EXPECT_GT(info.modified, 0) << info.key << ": modified not filled";
  EXPECT_GE(info.modified, before - 300) << info.key;
  EXPECT_LE(info.modified, now + 300) << info.key;
}
}  // namespace

TEST_P(ObjectStoreContract, StatGivesTheSizeOrNotFound) {
  const int64_t before = static_cast<int64_t>(::time(nullptr));
  ASSERT_TRUE(store_->Put("index/1", Random(1234, 2)).ok());
  auto info = store_->Stat("index/1");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->key, "index/1");
  EXPECT_EQ(info->size, 1234u);
  ExpectRecentlyModified(*info, before);
  auto missing = store_->Stat("index/2");
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
}

TEST_P(ObjectStoreContract, ListYieldsEveryKeyUnderThePrefixOnceWithItsSize) {
  const int64_t before = static_cast<int64_t>(::time(nullptr));
  std::map<std::string, uint64_t> packs, all;
  for (int i = 0; i < 23; ++i) {  // more than one page where a backend is set up with small pages
    std::string k = "packs/" + std::to_string(10 + i) + "/p" + std::to_string(i);
    ASSERT_TRUE(store_->Put(k, Random(static_cast<size_t>(i), 3)).ok()) << k;
    packs[k] = static_cast<uint64_t>(i);
  }
  all = packs;
  for (std::string k : {"index/1", "backups/x", "config", "packsX/not-a-pack"}) {
    ASSERT_TRUE(store_->Put(k, Bytes("abc")).ok()) << k;
    all[k] = 3;
  }
  EXPECT_EQ(ListAll(*store_, "packs/"), packs);
  EXPECT_EQ(ListAll(*store_, ""), all);
  EXPECT_EQ(ListAll(*store_, "index/"), (std::map<std::string, uint64_t>{{"index/1", 3}}));
  EXPECT_TRUE(ListAll(*store_, "manifests/").empty());
  // The listing itself carries each object's time (no Stat per key).
  ASSERT_TRUE(store_->List("", [&](const ObjectInfo& o) { ExpectRecentlyModified(o, before); }).ok());
}

TEST_P(ObjectStoreContract, DeleteRemovesAndASecondDeleteIsNotFound) {
  ASSERT_TRUE(store_->Put("a/b", Bytes("x")).ok());
  ASSERT_TRUE(store_->Put("a/c", Bytes("y")).ok());
  ASSERT_TRUE(store_->Delete("a/b").ok());
  EXPECT_TRUE(store_->Stat("a/b").status().IsNotFound());
  std::vector<uint8_t> out;
  EXPECT_TRUE(store_->Get("a/b", 0, 0, &out).IsNotFound());
  EXPECT_EQ(ListAll(*store_, "a/"), (std::map<std::string, uint64_t>{{"a/c", 1}}));
  Status again = store_->Delete("a/b");
  EXPECT_TRUE(again.IsNotFound()) << again.ToString();
  // A deleted key may be created again.
  EXPECT_TRUE(store_->Put("a/b", Bytes("z")).ok());
  EXPECT_EQ(MustGet(*store_, "a/b"), Bytes("z"));
}

TEST_P(ObjectStoreContract, LargeObjectsRoundTripAndStayCreateOnly) {
  // Larger than a backend's single-request size where a test sets that low: exercises block uploads.
  const auto big = Random((3u << 20) + 123, 4);
  ASSERT_TRUE(store_->Put("packs/ff/big", big).ok());
  EXPECT_EQ(MustGet(*store_, "packs/ff/big"), big);
  const uint64_t mid = (1u << 20) - 7;  // a range across block boundaries
  auto part = MustGet(*store_, "packs/ff/big", mid, 600000);
  EXPECT_TRUE(std::equal(part.begin(), part.end(), big.begin() + static_cast<std::ptrdiff_t>(mid)));
  EXPECT_EQ(part.size(), 600000u);
  auto tail = MustGet(*store_, "packs/ff/big", big.size() - 16, 16);
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), big.end() - 16));

  Status again = store_->Put("packs/ff/big", Random(big.size(), 5));
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_EQ(MustGet(*store_, "packs/ff/big"), big);
  auto info = store_->Stat("packs/ff/big");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, big.size());
}

TEST_P(ObjectStoreContract, ConcurrentCreatorsOfOneKeyExactlyOneWins) {
  constexpr int kWriters = 4;
  std::vector<std::vector<uint8_t>> bodies;
  bodies.reserve(kWriters);
  for (int i = 0; i < kWriters; ++i)
    bodies.push_back(Random(50000 + static_cast<size_t>(i), 10 + static_cast<uint32_t>(i)));
  std::vector<Status> results(kWriters);
  std::vector<std::thread> threads;
  threads.reserve(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      results[static_cast<size_t>(i)] = store_->Put("backups/race", bodies[static_cast<size_t>(i)]);
    });
  }
  for (auto& t : threads) t.join();
  int winners = 0;
  std::vector<uint8_t> winner;
  for (int i = 0; i < kWriters; ++i) {
    const Status& st = results[static_cast<size_t>(i)];
    if (st.ok()) {
      ++winners;
      winner = bodies[static_cast<size_t>(i)];
    } else {
      EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(MustGet(*store_, "backups/race"), winner);
}

TEST_P(ObjectStoreContract, ConcurrentPutsOfDistinctKeysAllLand) {
  std::vector<std::thread> threads;
  threads.reserve(6);
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::string k = "index/" + std::to_string(t) + "-" + std::to_string(i);
        if (!store_->Put(k, Bytes(k)).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto listed = ListAll(*store_, "index/");
  EXPECT_EQ(listed.size(), 30u);
  for (const auto& [k, size] : listed) EXPECT_EQ(size, k.size()) << k;
}

TEST_P(ObjectStoreContract, KeysThatCouldEscapeAreRefused) {
  for (std::string bad : {"", "../escape", "/etc/passwd", "a//b", "a/../../b", "keys/..evil", "a\nb"}) {
    Status st = store_->Put(bad, Bytes("x"));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << "'" << bad << "': " << st.ToString();
  }
  EXPECT_TRUE(ListAll(*store_, "").empty());
}

}  // namespace cv::storage::testing
