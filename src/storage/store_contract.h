// src/storage/store_contract.h — TEST-ONLY: the ObjectStore contract (object_store.h) as one GoogleTest
// suite that every backend runs unchanged, so "works on local" and "works on Azure" mean the same thing.
//
//   ContractTarget t{"Local", [](const std::string& unique) { return OpenLocalStore("/tmp/" + unique, true);
//   },
//                    [](const std::string& unique) { /* remove /tmp/<unique> */ }};
//   INSTANTIATE_TEST_SUITE_P(Local, ObjectStoreContract, ::testing::Values(t), ContractTargetName);
//
// Built as an OBJECT library (cv_store_contract): the TEST_Ps live in store_contract.cc, and a static
// library would let the linker drop them since nothing calls into that file.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "storage/object_store.h"

namespace cv::storage::testing {

struct ContractTarget {
  std::string name;  // suffix of the test names: letters and digits
  // A store over a fresh, empty namespace: `unique` differs for every test (a directory, a key prefix).
  std::function<Result<std::unique_ptr<ObjectStore>>(const std::string& unique)> open;
  // Removes what the test left under `unique`, if the store itself cannot (may be empty: then every key
  // the store lists is deleted through Delete).
  std::function<void(const std::string& unique)> cleanup;
};

std::string ContractTargetName(const ::testing::TestParamInfo<ContractTarget>& info);

class ObjectStoreContract : public ::testing::TestWithParam<ContractTarget> {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string unique_;
  std::unique_ptr<ObjectStore> store_;
};

}  // namespace cv::storage::testing
