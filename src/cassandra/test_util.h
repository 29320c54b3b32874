// src/cassandra/test_util.h — helpers shared by this folder's unit tests (not part of cv_cassandra).
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cv::cassandra::testing {

// A fresh directory under $TMPDIR, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cv_cassandra_test.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The legacy SSTables from Apache Cassandra's test data (read-only: copy before changing anything).
inline std::string FixturesDir() {
  return std::string(CASSVAULT_SOURCE_DIR) + "/../shared/fixtures/legacy-sstables";
}

inline void WriteFile(const std::string& path, const std::string& contents) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << contents;
}

// stdio rather than istreambuf_iterator, which trips GCC 12's -Wnull-dereference.
inline std::string ReadText(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

inline std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::string s = ReadText(path);
  return std::vector<uint8_t>(s.begin(), s.end());
}

// Flips bits of one byte; out-of-range positions are a test bug and fail loudly.
inline void FlipBits(std::vector<uint8_t>* bytes, size_t pos, uint8_t mask) {
  if (pos >= bytes->size()) throw std::out_of_range("FlipBits past the end");
  (*bytes)[pos] = static_cast<uint8_t>((*bytes)[pos] ^ mask);
}

// Every Data.db under the fixtures, sorted.
inline std::vector<std::string> FixtureDataFiles() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(FixturesDir())) {
    std::string name = e.path().filename().string();
    if (name.size() > 8 && name.substr(name.size() - 8) == "-Data.db") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cv::cassandra::testing
