#include "cassandra/jvm_class_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "core/stable_name.h"
#include "env/private_file.h"

namespace cv::cassandra {
namespace {

std::atomic<int> writing_counter{0};

// JAVA_TOOL_OPTIONS is split at white space; a path that holds any (or a quote) cannot be passed.
bool PassableInOptions(const std::string& path) {
  return path.find_first_of(" \t\n\r\"'\\") == std::string::npos;
}

// The directory, and an archive in it, are trusted only when this account owns them and nobody else
// can write them: a planted archive would be code run by the JVM that holds the JMX credentials.
bool OwnedAndClosed(const std::string& path, bool want_dir) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  if (want_dir ? !S_ISDIR(st.st_mode) : (!S_ISREG(st.st_mode) || st.st_nlink != 1)) return false;
  return st.st_uid == ::geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// What a dynamic archive starts with (HotSpot's CDS_DYNAMIC_ARCHIVE_MAGIC, little-endian). The JVM
// silently ignores a file without it, so such a file would never be replaced.
bool StartsLikeAnArchive(const std::string& path) {
  unsigned char magic[4] = {};
  std::FILE* f = std::fopen(path.c_str(), "rbe");
  if (f == nullptr) return false;
  const bool read = std::fread(magic, 1, sizeof magic, f) == sizeof magic;
  std::fclose(f);
  return read && magic[0] == 0xa8 && magic[1] == 0xab && magic[2] == 0x0b && magic[3] == 0xf0;
}

}  // namespace

JvmClassCache::JvmClassCache(std::string dir, const std::vector<std::string>& command)
    : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  std::string key;
  for (const std::string& a : command) key += a + '\0';
  archive_ = dir_ + "/nodetool-" + StableName(key) + ".jsa";
}

std::string JvmClassCache::Environment() {
  writing_.clear();
  using_ = false;
  if (dir_.empty() || !PassableInOptions(dir_)) return "";
  // The cache dir too: whoever can rename entries in it could swap the archive directory after the check.
  const std::string parent = dir_.substr(0, dir_.find_last_of('/'));
  if (!env::EnsurePrivateDir(dir_).ok() || !env::EnsurePrivateDir(parent).ok() ||
      !OwnedAndClosed(dir_, true) || !OwnedAndClosed(parent, true)) {
    return "";
  }
  std::string option;
  using_ = OwnedAndClosed(archive_, false) && StartsLikeAnArchive(archive_);
  if (using_) {
    // VerifySharedSpaces: a damaged archive is refused by its checksums (costs nothing measurable).
    option = "-XX:+VerifySharedSpaces -XX:SharedArchiveFile=" + archive_;
  } else {
    ::unlink(archive_.c_str());  // not one to map (a damaged or foreign file): a new one is written
    // Written beside the archive under a name of this run's own, moved over it after a clean exit.
    writing_ = archive_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(writing_counter++);
    option = "-XX:ArchiveClassesAtExit=" + writing_;
  }
  std::string value;
  if (const char* own = std::getenv("JAVA_TOOL_OPTIONS"); own != nullptr && *own != '\0') {
    value = std::string(own) + " ";
  }
  return "JAVA_TOOL_OPTIONS=" + value + "-XX:+IgnoreUnrecognizedVMOptions " + option;
}

void JvmClassCache::AfterRun(const env::ChildResult* result) {
  const bool clean = result != nullptr && result->exit_code == 0;
  if (!writing_.empty()) {
    if (!clean || !OwnedAndClosed(writing_, false) || ::rename(writing_.c_str(), archive_.c_str()) != 0) {
      ::unlink(writing_.c_str());
    }
    writing_.clear();
    return;
  }
  // A run that mapped the archive and failed, or that says the archive was refused: the next run writes
  // a new one. A failure for another reason (the node down) costs one archive written again; an archive
  // that broke the JVM must not fail every backup after it.
  if (using_ && (!clean || result->out.find("Unable to use shared archive") != std::string::npos ||
                 result->err.find("Unable to use shared archive") != std::string::npos)) {
    ::unlink(archive_.c_str());
  }
  using_ = false;
}

}  // namespace cv::cassandra
