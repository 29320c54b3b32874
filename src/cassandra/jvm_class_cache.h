// src/cassandra/jvm_class_cache.h — a class-data-sharing archive that makes nodetool's JVM start cheaper.
//
// A nodetool run is a JVM that loads, parses and verifies a few thousand classes of Cassandra's jars
// before it makes one JMX call: most of the CPU second it costs the node it runs on. A dynamic AppCDS
// archive (JDK 13 and later) holds those classes already parsed; mapped, it cuts a snapshot's nodetool
// CPU by about a third (bench/results/2026-12-07-nodetool-cpu.md). The first run writes the archive at
// its exit (-XX:ArchiveClassesAtExit); later runs map it (-XX:SharedArchiveFile).
//
// Both options reach the JVM through JAVA_TOOL_OPTIONS, which every JVM reads whichever script starts
// it, with -XX:+IgnoreUnrecognizedVMOptions: a JDK 8 or 11 ignores them and runs as before (and writes
// no archive, so none is ever mapped). The JVM checks an archive against its own build, its class path
// and its checksums, and runs without it when they do not match (an upgrade, a damaged file), printing
// "Unable to use shared archive"; the archive is then removed and the next run writes a new one, as
// after any failed run that mapped it.
#pragma once

#include <string>
#include <vector>

#include "env/child_process.h"

namespace cv::cassandra {

class JvmClassCache {
 public:
  // Archives live in `dir` (created 0700; refused unless it is ours and closed to others); one per
  // nodetool `command`. An empty `dir` turns the cache off.
  JvmClassCache(std::string dir, const std::vector<std::string>& command);

  // The "JAVA_TOOL_OPTIONS=..." entry for the next run (the caller's own JAVA_TOOL_OPTIONS first), or ""
  // when off or the directory cannot be trusted. Between two runs call AfterRun.
  std::string Environment();
  // After the run (`result` null when it could not be started or was killed): keeps the archive a
  // successful run wrote; removes one the JVM refused or a failed run mapped.
  void AfterRun(const env::ChildResult* result);

  const std::string& archive_path() const { return archive_; }

 private:
  std::string dir_, archive_;
  std::string writing_;  // the archive the current run writes at its exit, if it writes one
  bool using_ = false;   // the current run maps archive_
};

}  // namespace cv::cassandra
