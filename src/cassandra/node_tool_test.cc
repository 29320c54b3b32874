#include "cassandra/node_tool.h"

#include <gtest/gtest.h>

#include <filesystem>

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

TEST_F(NodeToolTest, MissingNodeTool) {
  NodeTool nt({dir_.path() + "/no-nodetool"});
  Status st = nt.Flush();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find("nodetool flush"), std::string::npos);
}

}  // namespace
}  // namespace cv::cassandra
