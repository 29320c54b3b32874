// The local backend: the shared ObjectStore contract (storage/store_contract.h), then what only a
// directory has — interrupted-Put leftovers, paths that could leave the root, a missing vault dir.
#include "backends/local/local_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "storage/store_contract.h"

namespace cv::backends {
namespace {

using storage::testing::ObjectStoreContract;

namespace fs = std::filesystem;

fs::path ContractRoot(const std::string& unique) { return fs::temp_directory_path() / unique; }

INSTANTIATE_TEST_SUITE_P(Local, ObjectStoreContract,
                         ::testing::Values(storage::testing::ContractTarget{
                             "Local",
                             [](const std::string& unique) {
                               return OpenLocalStore(ContractRoot(unique).string(), true);
                             },
                             [](const std::string& unique) { fs::remove_all(ContractRoot(unique)); }}),
                         storage::testing::ContractTargetName);

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cv-local-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    auto s = OpenLocalStore(root_.string(), true);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void TearDown() override { fs::remove_all(root_); }
  static std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

  fs::path root_;
  std::unique_ptr<storage::ObjectStore> store_;
};

TEST_F(LocalStoreTest, ListSkipsInterruptedPuts) {
  ASSERT_TRUE(store_->Put("index/1", Bytes("a")).ok());
  ASSERT_TRUE(store_->Put("index/2", Bytes("bb")).ok());
  ASSERT_TRUE(store_->Put("backups/x", Bytes("c")).ok());
  // What a kill -9 in the middle of Put leaves behind.
  { std::ofstream(root_ / "index" / ".tmp-1-1") << "partial"; }
  std::set<std::string> keys;
  ASSERT_TRUE(store_->List("index/", [&](const storage::ObjectInfo& o) { keys.insert(o.key); }).ok());
  EXPECT_EQ(keys, (std::set<std::string>{"index/1", "index/2"}));
  auto st = store_->Stat("index/2");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 2u);
}

// A directory enforces nothing itself: ProbeLocks says so (cassvault's own rules are the only lock),
// SetLock is NotSupported and changes nothing, GetLock reports no lock; mtimes are the objects' times.
TEST_F(LocalStoreTest, LocksAreEnforcedByCassvaultOnlyAndTimesComeFromTheFiles) {
  auto probe = store_->ProbeLocks();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  EXPECT_FALSE(probe->object_lock);
  EXPECT_FALSE(probe->versioning);
  EXPECT_NE(probe->detail.find("cassvault enforces retention locks itself"), std::string::npos)
      << probe->detail;
  ASSERT_TRUE(store_->Put("packs/aa/p", Bytes("x")).ok());
  Status set = store_->SetLock("packs/aa/p", {.until = 4102444800, .mode = storage::LockMode::kCompliance});
  EXPECT_EQ(set.code(), StatusCode::kNotSupported) << set.ToString();
  auto lock = store_->GetLock("packs/aa/p");
  ASSERT_TRUE(lock.ok());
  EXPECT_FALSE(lock->has_value());
  ASSERT_TRUE(store_->Delete("packs/aa/p").ok());  // nothing was locked by the "lock"
  ASSERT_TRUE(store_->Put("packs/aa/q", Bytes("y")).ok());
  struct stat sb {};
  ASSERT_EQ(::stat((root_ / "packs" / "aa" / "q").c_str(), &sb), 0);
  auto info = store_->Stat("packs/aa/q");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->modified, static_cast<int64_t>(sb.st_mtim.tv_sec));
  int64_t listed = 0;
  ASSERT_TRUE(store_->List("packs/", [&](const storage::ObjectInfo& o) { listed = o.modified; }).ok());
  EXPECT_EQ(listed, static_cast<int64_t>(sb.st_mtim.tv_sec));
}

TEST_F(LocalStoreTest, RefusesKeysThatLeaveTheRoot) {
  EXPECT_EQ(store_->Put("../escape", Bytes("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("/etc/passwd", Bytes("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(root_.parent_path() / "escape"));
}

// Whoever can write into the vault directory must not make a root-run cassvault read files elsewhere:
// a symlinked `config` pointing at a root-only file is refused without a byte of it in the message.
TEST_F(LocalStoreTest, SymlinksAndSpecialFilesAreNotObjects) {
  const fs::path secret = root_.parent_path() / (root_.filename().string() + "-secret");
  { std::ofstream(secret) << "\"AKIAEXAMPLESECRETKEY1234\n"; }
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink(secret, root_ / "config");
  std::vector<uint8_t> out;
  Status st = store_->Get("config", 0, 0, &out);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.ToString().find("symbolic link"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.ToString().find("AKIA"), std::string::npos);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(store_->Get("config", 0, 10, &out).IsCorruption());
  EXPECT_TRUE(store_->Stat("config").status().IsCorruption());
  // A FIFO must not hang the read (open without O_NONBLOCK would wait for a writer forever).
  fs::create_directories(root_ / "keys");
  ASSERT_EQ(::mkfifo((root_ / "keys" / "fifo").c_str(), 0600), 0);
  EXPECT_TRUE(store_->Get("keys/fifo", 0, 0, &out).IsCorruption());
  // Neither is listed.
  std::set<std::string> keys;
  ASSERT_TRUE(store_->List("", [&](const storage::ObjectInfo& o) { keys.insert(o.key); }).ok());
  EXPECT_EQ(keys, std::set<std::string>{});
  fs::remove(secret);
}

// One foreign file with a name the engine never builds must not stop every command (review M1).
TEST_F(LocalStoreTest, ListSkipsNamesThatAreNotVaultObjects) {
  ASSERT_TRUE(store_->Put("keys/0123", Bytes("{}")).ok());
  { std::ofstream(root_ / "keys" / "..evil") << "{}"; }
  std::set<std::string> keys;
  ASSERT_TRUE(store_->List("keys/", [&](const storage::ObjectInfo& o) { keys.insert(o.key); }).ok());
  EXPECT_EQ(keys, std::set<std::string>{"keys/0123"});
}

// A whole-object read of a (sparse) 2 GiB file is refused before anything is allocated.
TEST_F(LocalStoreTest, WholeObjectReadsAreCapped) {
  fs::create_directories(root_ / "keys");
  { std::ofstream(root_ / "keys" / "big"); }
  fs::resize_file(root_ / "keys" / "big", uint64_t{2} << 30);
  std::vector<uint8_t> out;
  Status st = store_->Get("keys/big", 0, 0, &out);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.ToString().find("more than the 1024 MiB"), std::string::npos) << st.ToString();
  EXPECT_EQ(out.capacity(), 0u);
  // An exact length is the caller's own bound: a short file is Corruption naming the object.
  ASSERT_TRUE(store_->Put("packs/aa/p", Bytes("0123456789")).ok());
  st = store_->Get("packs/aa/p", 0, 11, &out);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.ToString().find("packs/aa/p"), std::string::npos);
}

TEST_F(LocalStoreTest, MissingVaultIsNotFound) {
  auto s = OpenLocalStore((root_ / "nope").string(), false);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsNotFound());
  EXPECT_NE(s.status().message().find("cassvault init"), std::string::npos);
}

// Large ranges are read with O_DIRECT into an aligned window of the buffer: whatever the offset and length,
// the view holds exactly the bytes Get returns, and a range past the end fails as Get's does.
TEST_F(LocalStoreTest, GetViewReturnsExactlyTheRangeGetDoes) {
  std::vector<uint8_t> obj((3u << 20) + 12345);
  uint32_t x = 7;
  for (auto& b : obj) b = static_cast<uint8_t>((x = x * 1103515245u + 12345u) >> 16);
  ASSERT_TRUE(store_->Put("packs/ab/blob", obj).ok());
  std::vector<uint8_t> buf;  // reused between calls, as a restore does
  for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{4095}, uint64_t{4096}, uint64_t{5000}}) {
    for (uint64_t length : {uint64_t{100}, uint64_t{1} << 20, (uint64_t{1} << 20) + 3, obj.size() - offset}) {
      auto view = store_->GetView("packs/ab/blob", offset, length, &buf);
      ASSERT_TRUE(view.ok()) << view.status().ToString() << " at " << offset << "+" << length;
      ASSERT_EQ(view->size(), length);
      EXPECT_TRUE(std::equal(view->begin(), view->end(), obj.begin() + static_cast<std::ptrdiff_t>(offset)))
          << offset << "+" << length;
    }
  }
  auto past = store_->GetView("packs/ab/blob", obj.size() - 10, 2u << 20, &buf);
  EXPECT_TRUE(past.status().IsCorruption()) << past.status().ToString();
  EXPECT_TRUE(store_->GetView("packs/ab/none", 0, 2u << 20, &buf).status().IsNotFound());
}

// Pages of `path` in the page cache (mincore over a mapping of the file).
size_t CachedPages(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SIZE_MAX;
  const size_t size = fs::file_size(path);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return SIZE_MAX;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size + page - 1) / page);
  size_t cached = ::mincore(map, size, resident.data()) == 0 ? 0 : SIZE_MAX;
  for (unsigned char r : resident) cached += (cached != SIZE_MAX && (r & 1) != 0) ? 1 : 0;
  ::munmap(map, size);
  return cached;
}

bool DirectIoWorksIn(const fs::path& dir) {
  const fs::path probe = dir / "direct-probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  fs::remove(probe);
  return fd >= 0;
}

// A backup's packs go past the page cache (direct_io.h): the node's own cache is left to Cassandra.
// Whatever the size (whole blocks, a partial last block, under the threshold), the bytes read back equal.
TEST_F(LocalStoreTest, LargeObjectsAreWrittenPastThePageCache) {
  if (!DirectIoWorksIn(root_)) GTEST_SKIP() << root_ << " is on a filesystem without O_DIRECT";
  uint32_t x = 11;
  for (size_t size : {size_t{2} << 20, (size_t{3} << 20) + 12345, (size_t{1} << 20) - 1, size_t{8} << 20}) {
    std::vector<uint8_t> obj(size);
    for (auto& b : obj) b = static_cast<uint8_t>((x = x * 1103515245u + 12345u) >> 16);
    const std::string key = "packs/cd/p" + std::to_string(size);
    ASSERT_TRUE(store_->Put(key, obj).ok()) << size;
    const fs::path file = root_ / key;
    ASSERT_EQ(fs::file_size(file), size);
    const size_t cached = CachedPages(file);
    if (size >= (size_t{1} << 20)) {
      EXPECT_EQ(cached, 0u) << size << " bytes written through the page cache";
    } else {
      EXPECT_GT(cached, 0u) << "small objects are written through the cache";
    }
    std::vector<uint8_t> back;
    ASSERT_TRUE(store_->Get(key, 0, 0, &back).ok());
    EXPECT_TRUE(back == obj) << size;
  }
}

}  // namespace
}  // namespace cv::backends
