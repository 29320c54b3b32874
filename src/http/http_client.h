// src/http/http_client.h — the one HTTP client of cassvault: blocking requests over libcurl.
//
// Cloud backends build requests (method, URL, headers, body) and read responses (status, headers,
// body); they never touch libcurl. Transport failures become a Status chosen by what the caller does
// next: Unavailable for refused/reset/cut connections (retryable), DeadlineExceeded for timeouts and
// stalls, FailedPrecondition for a server certificate that does not verify (retrying cannot help;
// configuration can), InvalidArgument for a malformed URL. An HTTP error status is NOT a transport
// failure: Send returns the response and the backend maps it, because only it knows what a 404 means.
//
// Messages name the request as "METHOD scheme://host/path" — never the query string (a SAS token lives
// there) and never a header value (Authorization).
//
// TLS is verified by default. `ca_file` adds trust for a private CA (an emulator's test CA); `insecure`
// turns verification off and exists only so that an operator can say so explicitly and loudly.
//
// Only http:// and https:// are spoken (an explicit protocol allow-list, so a URL cannot switch libcurl to
// file://, ftp:// or anything else it was built with), and TLS is at least 1.2.
//
// Bounded bodies: a response body is at most Request::max_body bytes (default kDefaultMaxBody) and an
// error body (status >= 300) at most kMaxErrorBody. A Content-Length above the bound is refused before a
// byte is read, the reservation made from Content-Length is capped at the bound, and a body that runs
// past it stops being read at once: the server's word never decides how much we allocate. A body past
// max_body is Corruption (not retried: asking again would download it again); an error body past
// kMaxErrorBody is truncated (its first 64 KiB still say what went wrong). No exception leaves a libcurl
// callback: an allocation failure becomes ResourceExhausted.
//
// Proxies: libcurl's usual environment variables (https_proxy, http_proxy, no_proxy) apply, as operators
// behind an egress proxy expect. Redirects are not followed: signed headers must not go elsewhere.
//
// Thread safety: a Client is safe for concurrent use. It keeps a small pool of curl handles so that
// consecutive requests reuse connections (TLS handshakes are the expensive part of small requests).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace cv::http {

struct Header {
  std::string name;
  std::string value;
};

// What a response body may hold unless the request says otherwise: 1 MiB (XML answers, tokens).
inline constexpr uint64_t kDefaultMaxBody = uint64_t{1} << 20;
// What an error body (HTTP status >= 300) may hold: 64 KiB; beyond that it is truncated.
inline constexpr uint64_t kMaxErrorBody = uint64_t{64} << 10;

struct Request {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
  std::string url;
  std::vector<Header> headers;    // sent as given; the client adds only Host and Content-Length
  std::span<const uint8_t> body;  // borrowed; must outlive Send. Sent for PUT and POST.
  // The largest successful response body accepted (0 = kDefaultMaxBody); a ranged GET passes its length.
  uint64_t max_body = 0;
};

struct Response {
  long status = 0;
  std::vector<Header> headers;  // of the final response (interim 100 Continue headers are dropped)
  std::vector<uint8_t> body;    // empty for HEAD
  // First header named `name`, compared case-insensitively; empty if absent.
  std::string_view Find(std::string_view name) const;
  std::string_view BodyText() const { return {reinterpret_cast<const char*>(body.data()), body.size()}; }
};

struct ClientOptions {
  std::string ca_file;    // extra PEM bundle to trust instead of the system store; empty = system store
  bool insecure = false;  // DANGER: accept any server certificate. Off unless the operator asks for it.
  std::chrono::seconds connect_timeout{30};
  // A transfer that moves no byte for this long is cut and reported as DeadlineExceeded: a progress
  // watchdog rather than a total timeout, so a large body on a slow link is not killed halfway.
  std::chrono::seconds stall_timeout{60};
  std::chrono::seconds total_timeout{0};  // 0 = none (the stall watchdog bounds a request instead)
  size_t max_idle_handles = 16;           // curl handles (and their open connections) kept for reuse
  // Bytes per second over all of this client's transfers, up and down together; 0 = unlimited.
  uint64_t max_bandwidth = 0;
};

}  // namespace cv::http
namespace cv::pipeline {
class RateLimiter;
}  // namespace cv::pipeline
namespace cv::http {

class Client {
 public:
  static Result<std::unique_ptr<Client>> Create(const ClientOptions& options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Performs one request; any HTTP status is a successful Send. `response->body` is reserved from the
  // Content-Length the server announces (never beyond the request's bound), so a large ranged read is
  // one allocation.
  Result<Response> Send(const Request& request);

 private:
  explicit Client(ClientOptions options);
  struct Pool;
  ClientOptions options_;
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<pipeline::RateLimiter> limiter_;  // null when unlimited
};

// Requests this process has sent through any Client (each attempt of a retried request counts), and how
// many of them were list pages (Azure `comp=list`, S3 `list-type=`): what a command costs a cloud store,
// printed by the CLI under CASSVAULT_STATS=1 (backends/registry.h).
struct SentCounts {
  uint64_t requests = 0, list_pages = 0;
};
SentCounts RequestsSent();

// "scheme://host[:port]/path" of a URL: what a message may show of it (the query may hold a token).
std::string RedactUrl(std::string_view url);

// True if the URL's host is a loopback address: 127.0.0.0/8 written as a dotted quad, [::1], or
// "localhost". Such traffic never leaves the machine, which is what makes plain http to a local emulator
// acceptable.
bool IsLoopbackUrl(std::string_view url);

}  // namespace cv::http
