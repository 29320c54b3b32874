// The HTTP client against testdata/stub_server.py, a local stand-in started by these tests: what goes
// on the wire, and how each transport failure maps to a Status.
#include "http/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

namespace cv::http {
namespace {

namespace fs = std::filesystem;

constexpr char kStub[] = CASSVAULT_SOURCE_DIR "/src/http/testdata/stub_server.py";

// The stub server as a child process; its first stdout line is the port it listens on.
class StubServer {
 public:
  explicit StubServer(std::vector<std::string> extra = {}) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<std::string> args = {"/usr/bin/python3", kStub};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      argv.reserve(args.size() + 1);
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* out = ::fdopen(fds[0], "r");
    char line[32] = {0};
    if (out != nullptr && std::fgets(line, sizeof(line), out) != nullptr) port_ = std::atoi(line);
    if (out != nullptr) std::fclose(out);
  }
  ~StubServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  std::string Url(std::string_view path, std::string_view scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

std::unique_ptr<Client> NewClient(const ClientOptions& o = {}) {
  auto c = Client::Create(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

Request Req(std::string method, std::string url, std::vector<Header> headers = {},
            std::span<const uint8_t> body = {}) {
  Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.headers = std::move(headers);
  r.body = body;
  return r;
}

std::vector<uint8_t> RandomBytes(size_t n) {
  std::mt19937 rng(42);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// A loopback port nobody listens on: bound, then released.
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server_.port(), 0) << "stub server did not start"; }
  StubServer server_;
};

TEST_F(HttpClientTest, PutSendsTheBodyWithContentLengthAndHeaders) {
  auto client = NewClient();
  auto body = RandomBytes(3 << 20);
  Request req = Req("PUT", server_.Url("/echo?x=1"), {{"X-Test", "abc"}}, body);
  req.max_body = body.size();  // the echo is as large as the body: more than the default bound
  auto r = client->Send(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Find("x-method"), "PUT");
  EXPECT_EQ(r->Find("X-Content-Length"), std::to_string(body.size()));
  EXPECT_EQ(r->Find("X-Transfer-Encoding"), "");  // not chunked: clouds want a length
  EXPECT_EQ(r->Find("X-Expect"), "");             // no 100-continue round trip
  EXPECT_EQ(r->Find("X-Echo-Test"), "abc");
  EXPECT_EQ(r->body, body);
}

TEST_F(HttpClientTest, EveryMethodReachesTheServerAsItself) {
  auto client = NewClient();
  for (std::string m : {"GET", "HEAD", "DELETE", "POST", "PUT"}) {
    auto r = client->Send(Req(m, server_.Url("/echo")));
    ASSERT_TRUE(r.ok()) << m << ": " << r.status().ToString();
    EXPECT_EQ(r->Find("X-Method"), m);
    EXPECT_TRUE(r->body.empty()) << m;
  }
  // An empty PUT still says Content-Length: 0 (Azure's Put Block List of nothing, container create).
  auto r = client->Send(Req("PUT", server_.Url("/echo")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Find("X-Content-Length"), "0");
}

TEST_F(HttpClientTest, HttpErrorStatusIsAResponseNotATransportError) {
  auto client = NewClient();
  for (int code : {404, 409, 503}) {
    auto r = client->Send(Req("GET", server_.Url("/status/" + std::to_string(code))));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, code);
    EXPECT_EQ(r->BodyText(), "status " + std::to_string(code));
  }
}

TEST_F(HttpClientTest, RefusedConnectionIsUnavailableAndHidesTheQuery) {
  auto client = NewClient();
  std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/c/b?sig=SECRETSIG&sv=1";
  auto r = client->Send(Req("GET", url, {{"Authorization", "SharedKey a:SECRETHDR"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(r.status().IsRetryable());
  const std::string& msg = r.status().message();
  EXPECT_EQ(msg.rfind("GET http://127.0.0.1:", 0), 0u) << msg;  // subject first
  EXPECT_EQ(msg.find("SECRET"), std::string::npos) << msg;
}

TEST_F(HttpClientTest, StalledBodyIsDeadlineExceeded) {
  ClientOptions o;
  o.stall_timeout = std::chrono::seconds(1);
  auto client = NewClient(o);
  auto r = client->Send(Req("GET", server_.Url("/stall")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
}

TEST_F(HttpClientTest, CutBodyAndHangupAreUnavailable) {
  auto client = NewClient();
  for (std::string path : {"/cut", "/hangup"}) {
    auto r = client->Send(Req("GET", server_.Url(path)));
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << path << ": " << r.status().ToString();
  }
  // The client is still usable afterwards (the broken handle was not pooled).
  auto r = client->Send(Req("GET", server_.Url("/status/204")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 204);
}

TEST_F(HttpClientTest, ConcurrentRequestsShareOneClient) {
  auto client = NewClient();
  std::vector<std::thread> threads;
  threads.reserve(6);
  std::atomic<int> good{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        std::vector<uint8_t> body(static_cast<size_t>(1000 + t * 100 + i), static_cast<uint8_t>(t));
        auto r = client->Send(Req("PUT", server_.Url("/echo"), {}, body));
        if (r.ok() && r->status == 200 && r->body == body) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 6 * 15);
}

// Peak resident set of this process, in KiB.
long MaxRssKiB() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// The server's word never decides what we allocate: a body past the request's bound is cut at once,
// announced or not, and the reservation from Content-Length is capped.
TEST_F(HttpClientTest, BodiesPastTheBoundAreRefusedWithoutBeingRead) {
  auto client = NewClient();
  const long rss_before = MaxRssKiB();
  for (const char* announce : {"1", "0"}) {
    Request req = Req("GET", server_.Url(std::string("/big?n=268435456&cl=") + announce));
    req.max_body = 1000;
    auto start = std::chrono::steady_clock::now();
    auto r = client->Send(req);
    ASSERT_FALSE(r.ok()) << "cl=" << announce;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
    EXPECT_NE(r.status().message().find("larger than the 1000 bytes"), std::string::npos)
        << r.status().ToString();
    // 256 MiB were on offer; stopping early takes far less than reading them would.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  }
  // The default bound (1 MiB) applies when a request names none.
  auto r = client->Send(Req("GET", server_.Url("/big?n=2097152&cl=0")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  // Exactly at the bound is fine.
  Request exact = Req("GET", server_.Url("/big?n=1000&cl=1"));
  exact.max_body = 1000;
  auto ok = client->Send(exact);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->body.size(), 1000u);
  EXPECT_LT(MaxRssKiB() - rss_before, 32 * 1024) << "the client held on to more than the bound";
}

// Content-Length: 4294967295 with a tiny body: no 4 GiB reservation, a clear error.
TEST_F(HttpClientTest, AHugeContentLengthReservesNothing) {
  auto client = NewClient();
  const long rss_before = MaxRssKiB();
  Request req = Req("GET", server_.Url("/liar"));
  req.max_body = uint64_t{8} << 30;  // even a generous bound: the reservation is not the server's to choose
  auto r = client->Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();  // cut short
  EXPECT_LT(MaxRssKiB() - rss_before, 64 * 1024);
  // With the default bound the announcement alone is refused before any body byte is read.
  auto d = client->Send(Req("GET", server_.Url("/liar")));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kCorruption) << d.status().ToString();
}

// An error body is kept to its first 64 KiB: enough to say what went wrong, whatever the server sends.
TEST_F(HttpClientTest, ErrorBodiesAreTruncatedAt64KiB) {
  auto client = NewClient();
  for (const char* announce : {"1", "0"}) {
    auto r = client->Send(Req("GET", server_.Url(std::string("/big?n=67108864&status=500&cl=") + announce)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->body.size(), kMaxErrorBody);
  }
  auto small = client->Send(Req("GET", server_.Url("/status/404")));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->BodyText(), "status 404");
}

// Only http and https, whatever the URL says: no file://, no other protocol libcurl was built with.
TEST(HttpClientProtocols, OnlyHttpAndHttpsAreSpoken) {
  auto client = NewClient();
  for (const char* url :
       {"file:///etc/passwd", "ftp://127.0.0.1/x", "dict://127.0.0.1/x", "gopher://127.0.0.1/"}) {
    auto r = client->Send(Req("GET", url));
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << url << ": " << r.status().ToString();
  }
}

TEST(IsLoopbackUrl, OnlyAddressesThatStayOnThisMachine) {
  for (const char* u :
       {"http://127.0.0.1:10000/devstoreaccount1", "http://127.1.2.3", "http://localhost:9000",
        "http://LOCALHOST/", "http://[::1]:10000/x", "http://[::1]"}) {
    EXPECT_TRUE(IsLoopbackUrl(u)) << u;
  }
  for (const char* u : {"http://127.evil.example/", "http://127.0.0.1.evil.example", "http://10.0.0.1",
                        "http://128.0.0.1", "http://127.0.0.256", "http://user@127.0.0.1/", "http://[::2]",
                        "http://[::1].evil", "127.0.0.1", "http://localhost.evil.example"}) {
    EXPECT_FALSE(IsLoopbackUrl(u)) << u;
  }
}

TEST(HttpClientOptions, MissingCaFileIsReportedAtCreate) {
  ClientOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  auto c = Client::Create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsNotFound()) << c.status().ToString();
  EXPECT_NE(c.status().message().find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(HttpClientTls, VerifiesByDefaultTrustsAGivenCaAndSkipsOnlyWhenAskedTo) {
  fs::path dir = fs::temp_directory_path() / ("cv-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string cmd =
      "openssl req -newkey rsa:2048 -x509 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "openssl command not available";
  {
    StubServer tls({"--tls", cert, key});
    ASSERT_GT(tls.port(), 0);
    std::string url = tls.Url("/status/200", "https");

    auto strict = NewClient()->Send(Req("GET", url));
    ASSERT_FALSE(strict.ok());
    EXPECT_EQ(strict.status().code(), StatusCode::kFailedPrecondition) << strict.status().ToString();

    ClientOptions trusted;
    trusted.ca_file = cert;
    auto ok = NewClient(trusted)->Send(Req("GET", url));
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(ok->status, 200);

    ClientOptions insecure;
    insecure.insecure = true;
    auto any = NewClient(insecure)->Send(Req("GET", url));
    ASSERT_TRUE(any.ok()) << any.status().ToString();
  }
  fs::remove_all(dir);
}

TEST(RedactUrl, KeepsSchemeHostAndPathOnly) {
  EXPECT_EQ(RedactUrl("https://a.blob.core.windows.net/c/b?sv=1&sig=x"),
            "https://a.blob.core.windows.net/c/b");
  EXPECT_EQ(RedactUrl("http://user:pw@127.0.0.1:1/p#frag"), "http://127.0.0.1:1/p");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:1"), "http://127.0.0.1:1");
}

}  // namespace
}  // namespace cv::http
