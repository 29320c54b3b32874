// src/vault/vault_objects_test_util.h — a v2 vault with an admin and a writer key slot, shared by the tests
// of policies, run records and leases. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "backends/local/local_store.h"
#include "vault/testing.h"
#include "vault/vault.h"

namespace cv::vault::testutil {

inline std::unique_ptr<storage::ObjectStore> LocalStoreAt(const std::filesystem::path& root,
                                                          bool create = false) {
  return std::move(backends::OpenLocalStore(root.string(), create)).value();
}

// Every regular file under `dir` (relative names, sorted): what a test expects the store to hold.
inline std::vector<std::string> FilesUnder(const std::filesystem::path& root, const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(root / dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root / dir)) {
    if (e.is_regular_file()) out.push_back(std::filesystem::relative(e.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class TwoKeyVaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(LocalStoreAt(root(), true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    auto slot = (*v)->AddKeySlot(crypto::PassphraseSecret("writer"), FastScrypt(), crypto::KeyRole::kWriter);
    ASSERT_TRUE(slot.ok());
    writer_slot_ = *slot;
    admin_slot_ = (*v)->opened_slot();
  }
  const std::filesystem::path& root() const { return scratch_.path(); }
  std::unique_ptr<Vault> Open(const char* pass = "admin",
                              std::unique_ptr<storage::ObjectStore> store = nullptr) {
    auto v = Vault::Open(store ? std::move(store) : LocalStoreAt(root()), crypto::PassphraseSecret(pass));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }
  ScratchDir scratch_{"cv-vobj", ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  std::string admin_slot_, writer_slot_;
};

}  // namespace cv::vault::testutil
