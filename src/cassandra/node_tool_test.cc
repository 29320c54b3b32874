#include "cassandra/node_tool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cassandra/test_util.h"

namespace cv::cassandra {
namespace {

TEST(RunProcessTest, CapturesOutputAndExitCode) {
  Result<ProcessResult> r = RunProcess({"echo", "hello", "world"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, "hello world\n");
  EXPECT_EQ(r->err, "");

  r = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(RunProcessTest, NoShellInterpretation) {
  Result<ProcessResult> r = RunProcess({"echo", "$HOME", "a;b", "*"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "$HOME a;b *\n");
}

TEST(RunProcessTest, LargeOutputOnBothStreamsDoesNotDeadlock) {
  // 1 MiB on each stream, far past a pipe buffer: sequential reading would hang here.
  Result<ProcessResult> r = RunProcess(
      {"sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' e >&2; head -c 1048576 /dev/zero | tr '\\0' o"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out.size(), 1048576u);
  EXPECT_EQ(r->err.size(), 1048576u);
}

TEST(RunProcessTest, KilledBySignal) {
  Result<ProcessResult> r = RunProcess({"sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 128 + 9);
}

TEST(RunProcessTest, MissingProgram) {
  Result<ProcessResult> r = RunProcess({"cassvault-no-such-program-xyz"});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("cassvault-no-such-program-xyz"), std::string::npos);
  EXPECT_TRUE(RunProcess({"/nonexistent/dir/prog"}).status().IsNotFound());
  EXPECT_EQ(RunProcess({}).status().code(), StatusCode::kInvalidArgument);
}

// A fake nodetool that records its arguments and can be told to fail like the real one.
class NodeToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    script_ = dir_.path() + "/nodetool";
    log_ = dir_.path() + "/args";
    testing::WriteFile(script_,
                       "#!/bin/sh\n"
                       "echo \"$@\" >> '" +
                           log_ +
                           "'\n"
                           "if [ -f '" +
                           dir_.path() +
                           "/fail' ]; then\n"
                           "  echo \"error: $(cat '" +
                           dir_.path() +
                           "/fail')\" >&2\n"
                           "  echo '-- StackTrace --' >&2\n"
                           "  echo 'java.io.IOException: boom' >&2\n"
                           "  echo '\tat org.apache.cassandra.Foo(Foo.java:1)' >&2\n"
                           "  exit 2\n"
                           "fi\n");
    std::filesystem::permissions(script_, std::filesystem::perms::owner_all);
  }
  std::string Args() { return testing::ReadText(log_); }
  void FailWith(const std::string& message) { testing::WriteFile(dir_.path() + "/fail", message); }

  testing::TempDir dir_;
  std::string script_, log_;
};

TEST_F(NodeToolTest, BuildsArguments) {
  NodeTool nt({script_, "-h", "127.0.0.1", "-p", "7199"});
  EXPECT_TRUE(nt.Flush().ok());
  EXPECT_TRUE(nt.Flush({"ks1", "ks2"}).ok());
  EXPECT_TRUE(nt.Snapshot("cv-2026_01", {}, {}).ok());
  EXPECT_TRUE(nt.Snapshot("t1", {"ks1"}, {}).ok());
  EXPECT_TRUE(nt.Snapshot("t2", {}, {"ks1.a", "ks2.b"}).ok());
  EXPECT_TRUE(nt.ClearSnapshot("t2").ok());
  EXPECT_TRUE(nt.Import("ks1", "a", "/restore/dir", {"-l", "-r"}).ok());
  EXPECT_EQ(Args(),
            "-h 127.0.0.1 -p 7199 flush\n"
            "-h 127.0.0.1 -p 7199 flush ks1 ks2\n"
            "-h 127.0.0.1 -p 7199 snapshot -t cv-2026_01\n"
            "-h 127.0.0.1 -p 7199 snapshot -t t1 ks1\n"
            "-h 127.0.0.1 -p 7199 snapshot -t t2 -kt ks1.a,ks2.b\n"
            "-h 127.0.0.1 -p 7199 clearsnapshot -t t2\n"
            "-h 127.0.0.1 -p 7199 import -l -r ks1 a /restore/dir\n");
  // Each call is one process, counted with its CPU time (what a backup reports as nodetool's share).
  EXPECT_EQ(nt.runs(), 7);
  EXPECT_GE(nt.cpu_seconds(), 0.0);
}

TEST_F(NodeToolTest, BackupSnapshotNamesItsTablesUnlessTheListIsTooLongForOneArgument) {
  NodeTool nt({script_});
  ASSERT_TRUE(nt.SnapshotTablesOrKeyspaces("b1", {"ks1.a", "system.local"}, {"ks1", "system"}).ok());
  // 2,000 tables of 60-character names: past one argument's limit, so the two keyspaces are named instead.
  std::vector<std::string> many;
  many.reserve(2000);
  for (int i = 0; i < 2000; ++i) many.push_back("ks1." + std::string(52, 't') + std::to_string(10000 + i));
  ASSERT_TRUE(nt.SnapshotTablesOrKeyspaces("b2", many, {"ks1", "system"}).ok());
  EXPECT_EQ(Args(),
            "snapshot -t b1 -kt ks1.a,system.local\n"
            "snapshot -t b2 ks1 system\n");
}

TEST_F(NodeToolTest, RejectsBadNames) {
  NodeTool nt({script_});
  EXPECT_EQ(nt.Snapshot("", {}, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nt.Snapshot("a/b", {}, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nt.Snapshot("-x", {}, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nt.Snapshot("t", {"ks"}, {"ks.a"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nt.Snapshot("t", {}, {"nodot"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nt.Flush({"--all"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nt.ClearSnapshot("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nt.Import("ks", "t", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Args(), "");  // nothing ran
}

TEST_F(NodeToolTest, FailureKeepsTheMessageNotTheStackTrace) {
  FailWith("Failed to connect to '127.0.0.1:7199' - ConnectException: 'Connection refused'.");
  NodeTool nt({script_});
  Status st = nt.Flush();
  ASSERT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ(st.message(),
            "nodetool flush: exit code 2: error: Failed to connect to '127.0.0.1:7199' - ConnectException: "
            "'Connection refused'.");
  FailWith("Snapshot t1 already exists.");
  st = nt.Snapshot("t1", {}, {});
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
}

TEST_F(NodeToolTest, TheJvmsOwnNotesDoNotHideTheMessage) {
  // nodetool puts some errors on stdout; the JVM notes it read JAVA_TOOL_OPTIONS on stderr, every run.
  const std::string noisy = dir_.path() + "/noisy";
  testing::WriteFile(noisy,
                     "#!/bin/sh\n"
                     "echo 'Picked up JAVA_TOOL_OPTIONS: -XX:SharedArchiveFile=/c/a.jsa' >&2\n"
                     "echo '[0.017s][warning][cds,dynamic] Unable to use shared archive.'\n"
                     "echo 'nodetool: Unknown keyspace/cf pair (ks.gone)'\n"
                     "echo \"See 'nodetool help' or 'nodetool help <command>'.\"\n"
                     "exit 1\n");
  std::filesystem::permissions(noisy, std::filesystem::perms::owner_all);
  NodeTool nt({noisy});
  Status st = nt.Snapshot("t1", {}, {"ks.gone"});
  EXPECT_EQ(
      st.message(),
      "nodetool snapshot: exit code 1: nodetool: Unknown keyspace/cf pair (ks.gone) | See 'nodetool help' or "
      "'nodetool help <command>'.");
}

TEST_F(NodeToolTest, MissingNodeTool) {
  NodeTool nt({dir_.path() + "/no-nodetool"});
  Status st = nt.Flush();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find("nodetool flush"), std::string::npos);
}

TEST_F(NodeToolTest, JmxPasswordGoesInAFileNeverOnTheCommandLine) {
  std::string pwf = dir_.path() + "/jmx.password";
  testing::WriteFile(pwf, "cassvault s3cret-jmx-pw\n");
  std::filesystem::permissions(pwf, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  NodeToolSettings s;
  s.command = {script_, "-h", "127.0.0.1", "-p", "7199"};
  s.jmx_username = "cassvault";
  s.jmx_password_file = pwf;
  NodeTool nt(s);
  EXPECT_TRUE(nt.ClearSnapshot("t1").ok());
  EXPECT_EQ(Args(), "-h 127.0.0.1 -p 7199 -u cassvault -pwf " + pwf + " clearsnapshot -t t1\n");
  EXPECT_EQ(Args().find("s3cret-jmx-pw"), std::string::npos);
  EXPECT_EQ(Args().find("-pw "), std::string::npos);
}

TEST_F(NodeToolTest, JmxPasswordFileOthersCanReadIsRefusedAndNothingRuns) {
  std::string pwf = dir_.path() + "/jmx.password";
  testing::WriteFile(pwf, "cassvault s3cret-jmx-pw\n");
  std::filesystem::permissions(pwf, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                        std::filesystem::perms::group_read |
                                        std::filesystem::perms::others_read);
  NodeToolSettings s;
  s.command = {script_};
  s.jmx_password_file = pwf;
  Status st = NodeTool(s).Flush();
  ASSERT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_EQ(st.message(), "nodetool flush: node.jmx.password_file " + pwf +
                              ": may be read or written by group or others (mode 0644); it holds a password: "
                              "chmod 600 it");
  EXPECT_EQ(Args(), "");  // nodetool never ran
}

// A hung JMX call: nodetool and the JVM it started are killed when the deadline passes.
TEST_F(NodeToolTest, HungCallIsKilledWithItsProcessGroup) {
  std::string hung = dir_.path() + "/hung-nodetool";
  std::string pidfile = dir_.path() + "/jvm.pid";
  testing::WriteFile(hung, "#!/bin/sh\nsleep 300 &\necho $! > '" + pidfile + "'\nwait\n");
  std::filesystem::permissions(hung, std::filesystem::perms::owner_all);
  NodeToolSettings s;
  s.command = {hung};
  s.snapshot_timeout = std::chrono::seconds(1);
  auto t0 = std::chrono::steady_clock::now();
  Status st = NodeTool(s).Snapshot("t1", {}, {});
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
  EXPECT_EQ(st.message(),
            "nodetool snapshot: " + hung +
                ": still running after 1 s (node.snapshot_timeout); killed with its process group");
  EXPECT_LT(took, std::chrono::seconds(10));
  std::string pid = testing::ReadText(pidfile);
  while (!pid.empty() && pid.back() == '\n') pid.pop_back();
  ASSERT_FALSE(pid.empty());
  bool alive = true;
  for (int i = 0; i < 100 && alive; ++i) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    alive = std::getline(stat, line) && line.find(") Z ") == std::string::npos;
    if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(alive) << "the child's child " << pid << " survived";
}

TEST(JmxEndpointTest, ReadsHostAndPortOfTheCommand) {
  auto e = JmxEndpointOf({"nodetool"});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 7199);
  e = JmxEndpointOf({"/usr/bin/nodetool", "-h", "10.0.0.5", "-p", "7299", "-pwf", "/x"});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "10.0.0.5");
  EXPECT_EQ(e->port, 7299);
  e = JmxEndpointOf({"nodetool", "--host=db1", "--port=17199"});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "db1");
  EXPECT_EQ(e->port, 17199);
  e = JmxEndpointOf({"nodetool", "--port", "7399"});
  EXPECT_EQ(e->port, 7399);
  EXPECT_EQ(JmxEndpointOf({"nodetool", "-p", "x1"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JmxEndpointOf({"nodetool", "-p", "70000"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JmxEndpointOf({"nodetool", "-p"}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cv::cassandra
