// src/vault/problems.h — objects the vault skipped because they did not check out (junk someone with write
// access added, damage), collected for warnings and for verify. Skipping is the rule for what a foreign or
// damaged object causes; what the store or network causes stops the command instead (IsObjectProblem).
//
// Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"

namespace cv::vault {

// An object that did not check out and was skipped (or refused): named in a warning, reported by verify.
struct VaultProblem {
  std::string object;  // its key in the store
  std::string problem;
  bool damage = true;  // false: only a notice (e.g. a read-only identity could not write the config seal)
};

// True for what a foreign or damaged object causes (skip it); false for what the store or network causes
// (stop: skipping could hide data that is there).
bool IsObjectProblem(const Status& st);

class ProblemLog {
 public:
  // Adds a problem once: a second report of the same object and problem (LoadIndex run twice) is dropped.
  void Add(std::string object, std::string problem, bool damage = true);
  std::vector<VaultProblem> All() const;

 private:
  mutable std::mutex mu_;
  std::vector<VaultProblem> problems_;  // GUARDED_BY(mu_)
};

}  // namespace cv::vault
