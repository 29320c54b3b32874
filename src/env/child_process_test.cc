#include "env/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace cv::env {
namespace {

using std::chrono::milliseconds;

TEST(AllowedEnvironmentTest, KeepsOnlyAllowedNames) {
  const char* envp[] = {"PATH=/usr/bin",
                        "HOME=/root",
                        "LC_ALL=C.UTF-8",
                        "CASSVAULT_PASSPHRASE=correct horse",
                        "AWS_SECRET_ACCESS_KEY=awsSECRET",
                        "AWS_SESSION_TOKEN=tok",
                        "AZURE_CLIENT_SECRET=azSECRET",
                        "AZURE_STORAGE_KEY=key",
                        "AZURE_STORAGE_SAS_TOKEN=sv=1&sig=x",
                        "AZURE_CONFIG_DIR=/etc/az",
                        "AZURE_CORE_OUTPUT=json",
                        "AZURE_CORE_=empty-suffix",
                        "JAVA_HOME=/opt/java",
                        "PATHX=not-path",
                        "=weird",
                        "noequals",
                        nullptr};
  EXPECT_EQ(AllowedEnvironment(envp, {}),
            (std::vector<std::string>{"PATH=/usr/bin", "HOME=/root", "LC_ALL=C.UTF-8"}));
  EXPECT_EQ(AllowedEnvironment(envp, kAzureCliEnvironment),
            (std::vector<std::string>{"PATH=/usr/bin", "HOME=/root", "LC_ALL=C.UTF-8",
                                      "AZURE_CONFIG_DIR=/etc/az", "AZURE_CORE_OUTPUT=json"}));
  EXPECT_EQ(
      AllowedEnvironment(envp, kJavaEnvironment),
      (std::vector<std::string>{"PATH=/usr/bin", "HOME=/root", "LC_ALL=C.UTF-8", "JAVA_HOME=/opt/java"}));
}

// The attack of the review: secrets in our environment, a child that prints its own.
TEST(RunChildTest, ChildSeesNoSecretFromOurEnvironment) {
  const std::vector<std::pair<const char*, const char*>> secrets = {
      {"CASSVAULT_PASSPHRASE", "correct horse"},
      {"AWS_SECRET_ACCESS_KEY", "awsSECRETvalue"},
      {"AWS_SESSION_TOKEN", "awsTOKEN"},
      {"AZURE_CLIENT_SECRET", "azSECRET"},
      {"AZURE_STORAGE_KEY", "azKEY"},
      {"AZURE_STORAGE_SAS_TOKEN", "sv=2024&sig=SAS"},
      {"CASSVAULT_S3_SECRET", "s3SECRET"}};
  for (const auto& [k, v] : secrets) ::setenv(k, v, 1);
  ::setenv("AZURE_CONFIG_DIR", "/tmp/azcfg", 1);
  using Allow = std::span<const std::string_view>;
  for (Allow allow : {Allow(), Allow(kJavaEnvironment), Allow(kAzureCliEnvironment)}) {
    ChildOptions o;
    o.allow_env = allow;
    Result<ChildResult> r = RunChild({"env"}, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& [k, v] : secrets) {
      EXPECT_EQ(r->out.find(k), std::string::npos) << k;
      EXPECT_EQ(r->out.find(v), std::string::npos) << v;
    }
    EXPECT_NE(r->out.find("PATH="), std::string::npos);
    EXPECT_EQ(r->out.find("AZURE_CONFIG_DIR=/tmp/azcfg") != std::string::npos,
              allow.data() == kAzureCliEnvironment.data());
  }
  for (const auto& [k, v] : secrets) ::unsetenv(k);
  ::unsetenv("AZURE_CONFIG_DIR");
}

TEST(RunChildTest, SetVariablesReplaceThePassedOnOnes) {
  ::setenv("JAVA_TOOL_OPTIONS", "-Dfrom.us=1", 1);
  ChildOptions o;
  o.allow_env = kJavaEnvironment;
  o.set_env = {"JAVA_TOOL_OPTIONS=-Dfrom.us=1 -Xshare:auto", "CV_EXTRA=x=y"};
  Result<ChildResult> r = RunChild({"env"}, o);
  ::unsetenv("JAVA_TOOL_OPTIONS");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->out.find("\nJAVA_TOOL_OPTIONS=-Dfrom.us=1 -Xshare:auto\n"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("JAVA_TOOL_OPTIONS=-Dfrom.us=1\n"), std::string::npos) << "passed on as well";
  EXPECT_NE(r->out.find("CV_EXTRA=x=y\n"), std::string::npos);
}

TEST(RunChildTest, CapturesOutputAndExitCode) {
  Result<ChildResult> r = RunChild({"sh", "-c", "echo out; echo err >&2; exit 3"}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_TRUE(RunChild({"cassvault-no-such-program-xyz"}, {}).status().IsNotFound());
  EXPECT_EQ(RunChild({}, {}).status().code(), StatusCode::kInvalidArgument);
}

// nodetool is a shell script whose JVM may run as the script's child: the CPU time of a grandchild the
// program waited for is counted. The grandchild reports its own user time (the shell's `times`), and
// what RunChild reports covers at least that.
TEST(RunChildTest, ReportsCpuSecondsOfTheProgramAndWhatItReaped) {
  Result<ChildResult> r =
      RunChild({"sh", "-c",
                "sh -c 'i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; times' > /dev/stdout; echo done"},
               {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->exit_code, 0) << r->err;
  // `times` prints "XmY.YYYs XmZ.ZZZs" for the shell itself on its first line.
  int minutes = 0;
  double user = -1, sys = -1;
  ASSERT_EQ(std::sscanf(r->out.c_str(), "%dm%lfs %*dm%lfs", &minutes, &user, &sys), 3) << r->out;
  double grandchild = minutes * 60 + user + sys;
  EXPECT_GT(grandchild, 0.0) << r->out;
  EXPECT_GE(r->cpu_seconds + 0.011, grandchild) << r->out;  // `times` rounds to the millisecond (and up)
  // A program that does nothing reports close to nothing, never a negative or garbage number.
  Result<ChildResult> idle = RunChild({"true"}, {});
  ASSERT_TRUE(idle.ok());
  EXPECT_GE(idle->cpu_seconds, 0.0);
  EXPECT_LT(idle->cpu_seconds, r->cpu_seconds);
}

// Running (a zombie waiting for a reaper that may never come, in a container, counts as gone).
bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

// A child that hangs, and a grandchild it started: both are gone when the deadline passes.
TEST(RunChildTest, DeadlineKillsTheWholeProcessGroup) {
  std::string pidfile =
      (std::filesystem::temp_directory_path() / ("cv_env_test_grandchild." + std::to_string(::getpid())))
          .string();
  auto t0 = std::chrono::steady_clock::now();
  ChildOptions o;
  o.timeout = milliseconds(700);
  o.timeout_setting = "node.nodetool_timeout";
  Result<ChildResult> r = RunChild({"sh", "-c", "sleep 300 & echo $! > " + pidfile + "; wait"}, o);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(),
            "sh: still running after 700 ms (node.nodetool_timeout); killed with its process group");
  EXPECT_LT(took, std::chrono::seconds(5));
  std::ifstream in(pidfile);
  pid_t grandchild = 0;
  ASSERT_TRUE(in >> grandchild);
  std::filesystem::remove(pidfile);
  // SIGKILL is delivered at once; give the kernel a moment to tear the process down (init reaps it).
  for (int i = 0; i < 50 && Alive(grandchild); ++i) std::this_thread::sleep_for(milliseconds(20));
  EXPECT_FALSE(Alive(grandchild)) << "sleep " << grandchild << " survived";
}

// A cassvault killed with SIGKILL runs no cleanup: its children must die by themselves. The parent here is
// a small helper process (forked from the test) that runs a child through RunChild; the child is a shell
// that starts a grandchild and waits, as nodetool's script starts its JVM. Killing the helper must take
// the child, the grandchild and whatever stands between them and the helper down within seconds.
TEST(RunChildTest, ChildAndItsProcessGroupDieWithAKilledParent) {
  std::string pidfile =
      (std::filesystem::temp_directory_path() / ("cv_env_test_orphan." + std::to_string(::getpid())))
          .string();
  std::filesystem::remove(pidfile);
  pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    // $$: the shell; $!: its sleep; $PPID: the shell's parent (the helper, or what RunChild puts between).
    (void)RunChild({"sh", "-c",
                    "sleep 300 & echo $$ $! $PPID > " + pidfile + ".tmp && mv " + pidfile + ".tmp " +
                        pidfile + "; wait"},
                   {});
    ::_exit(0);
  }
  std::vector<pid_t> pids;
  for (int i = 0; i < 250 && pids.empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(20));
    std::ifstream in(pidfile);
    pid_t p = 0;
    while (in >> p) pids.push_back(p);
  }
  std::filesystem::remove(pidfile);
  ASSERT_EQ(pids.size(), 3u) << "the child did not start";
  for (pid_t p : pids) EXPECT_TRUE(Alive(p)) << p << " is not running before the parent is killed";
  ASSERT_EQ(::kill(helper, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(helper, &wstatus, 0), helper);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
  auto t0 = std::chrono::steady_clock::now();
  auto any_alive = [&] { return std::any_of(pids.begin(), pids.end(), Alive); };
  while (any_alive() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5))
    std::this_thread::sleep_for(milliseconds(20));
  for (pid_t p : pids) {
    EXPECT_FALSE(Alive(p)) << p << " survived its parent's death";
    if (Alive(p)) ::kill(p, SIGKILL);  // leave nothing behind when the test fails
  }
}

// A descriptor of ours opened without O_CLOEXEC (a library's, say) is not the program's to see.
TEST(RunChildTest, ChildGetsOnlyItsThreeStreams) {
  int leak = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, deliberately
  ASSERT_GE(leak, 3);
  Result<ChildResult> r = RunChild({"sh", "-c", "ls /proc/$$/fd"}, {});
  ::close(leak);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "0\n1\n2\n");
}

TEST(RunChildTest, ChildKilledBySignalIsReportedAsTheShellDoes) {
  Result<ChildResult> r = RunChild({"sh", "-c", "echo before; kill -TERM $$; echo after"}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 128 + SIGTERM);
  EXPECT_EQ(r->out, "before\n");
  // A program that is there but cannot be run is named as such, not as missing.
  std::string dir = std::filesystem::temp_directory_path().string();
  Result<ChildResult> d = RunChild({dir}, {});
  ASSERT_FALSE(d.ok());
  EXPECT_FALSE(d.status().IsNotFound()) << d.status().ToString();
}

}  // namespace
}  // namespace cv::env
