// src/env/private_file.h — files that hold a password (the CQL credentials file, the JMX password
// file, a CQL client key) must be private to their owner, as ssh demands of a private key: one that
// group or others may read or write is refused rather than used.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace cv::env {

// OK for a regular file (symlinks followed) with no group or other permission bits. NotFound when it
// does not exist; InvalidArgument("<what> <path>", "... (mode 0644); chmod 600 it") otherwise.
Status CheckPrivateFile(const std::string& path, const std::string& what);

// Creates `dir` (and its parents) if missing and makes it 0700 when it is ours and open to others: the cache
// directory holds every SSTable's inode and blob ids, the run lock and the daemon's state. Never chmods a
// directory another account owns.
Status EnsurePrivateDir(const std::string& dir);

// Writes `body` to `path` (0600) beside it and renames it over: a reader sees the old file or the new one,
// never half of one. The temporary is opened O_EXCL | O_NOFOLLOW (a planted link is refused) and fsynced.
// `what` names the file in errors ("takeover hint").
Status WritePrivateFileAtomically(const std::string& path, std::string_view body, const std::string& what);

// Creates `path` 0600 if missing (never through a link) and tightens an existing one to 0600: for a local
// database opened next (SQLite creates files 0644 under the usual umask; its -wal and -shm files take
// their mode from the database's). `what` names the file in errors ("file cache").
Status MakePrivateFile(const std::string& path, const std::string& what);

}  // namespace cv::env
