#include "http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>

#include "http/request_ids.h"
#include "pipeline/rate_limiter.h"

namespace cv::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// curl_global_init is not thread-safe in libcurl 7.x: run it once, before the first handle exists.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A decimal Content-Length; false if absent, malformed or beyond 2^63.
bool ParseLength(std::string_view value, uint64_t* out) {
  if (value.empty() || value.size() > 18) return false;
  uint64_t v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// State one transfer's callbacks share.
struct Transfer {
  std::span<const uint8_t> upload;
  size_t upload_pos = 0;
  Response* response = nullptr;
  bool head = false;
  long status = 0;               // of the latest status line (interim ones included)
  uint64_t max_body = 0;         // for a successful status
  bool too_large = false;        // a successful body was (or was announced) larger than max_body
  bool error_truncated = false;  // an error body reached kMaxErrorBody and the rest was dropped
  bool out_of_memory = false;    // an allocation in a callback failed
  // Stall watchdog: the last time a byte moved either way, and whether the watchdog cut the transfer.
  std::chrono::steady_clock::time_point last_progress = std::chrono::steady_clock::now();
  curl_off_t last_down = 0, last_up = 0;
  std::chrono::seconds stall_timeout{0};
  bool stalled = false;
  pipeline::RateLimiter* limiter = nullptr;  // shared bandwidth budget, or null

  bool IsError() const { return status >= 300; }
  uint64_t Limit() const { return IsError() ? kMaxErrorBody : max_body; }
};

// Returning anything but size*n makes libcurl abort the transfer (CURLE_WRITE_ERROR); the flags say why.
// No exception may cross libcurl's C frames, hence the catch.
size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  std::vector<uint8_t>& body = t->response->body;
  const uint64_t limit = t->Limit();
  size_t take = len;
  if (body.size() + len > limit) {
    if (!t->IsError()) {
      t->too_large = true;
      return 0;
    }
    take = static_cast<size_t>(limit - std::min<uint64_t>(limit, body.size()));
    t->error_truncated = true;
  }
  if (t->limiter != nullptr) t->limiter->Take(take);
  try {
    body.insert(body.end(), p, p + take);
  } catch (const std::bad_alloc&) {
    t->out_of_memory = true;
    return 0;
  }
  return t->error_truncated ? 0 : len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  try {
    if (line.rfind("HTTP/", 0) == 0) {
      // A new status line: an interim response (100 Continue) ended, keep only the final one's headers.
      t->response->headers.clear();
      t->status = 0;
      size_t sp = line.find(' ');
      for (size_t i = sp + 1; sp != std::string_view::npos && i < line.size() && i < sp + 4; ++i) {
        if (line[i] < '0' || line[i] > '9') break;
        t->status = t->status * 10 + (line[i] - '0');
      }
      return size * n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return size * n;  // the blank line that ends the headers
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    if (!t->head && EqualsIgnoreCase(name, "Content-Length")) {
      uint64_t len = 0;
      if (ParseLength(value, &len)) {  // else libcurl's framing decides, and OnBody's bound still holds
        // A successful body announced past its bound is refused before a byte of it is read.
        if (len > t->Limit() && !t->IsError() && t->status >= 200) {
          t->too_large = true;
          return 0;
        }
        // One allocation for a body up to a pack's size instead of log2(n) regrowths, never beyond the
        // bound; past 32 MiB the body grows as bytes really arrive, so a server that announces gigabytes
        // and sends nothing costs nothing.
        constexpr uint64_t kMaxUpfrontReserve = uint64_t{32} << 20;
        t->response->body.reserve(static_cast<size_t>(std::min({len, t->Limit(), kMaxUpfrontReserve})));
      }
    }
    t->response->headers.push_back(Header{std::string(name), std::string(value)});
  } catch (const std::bad_alloc&) {
    t->out_of_memory = true;
    return 0;
  }
  return size * n;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t want = std::min(size * n, t->upload.size() - t->upload_pos);
  if (t->limiter != nullptr) t->limiter->Take(want);
  std::memcpy(buf, t->upload.data() + t->upload_pos, want);
  t->upload_pos += want;
  return want;
}

// curl calls this about once a second even when nothing moves. CURLOPT_LOW_SPEED_* would average over
// a window, so a body that sent a little and then froze would live on for several windows; this cuts it
// after exactly `stall_timeout` without a byte.
int OnProgress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  auto now = std::chrono::steady_clock::now();
  if (dlnow != t->last_down || ulnow != t->last_up) {
    t->last_down = dlnow;
    t->last_up = ulnow;
    t->last_progress = now;
    return 0;
  }
  if (t->stall_timeout.count() > 0 && now - t->last_progress >= t->stall_timeout) {
    t->stalled = true;
    return 1;  // abort the transfer
  }
  return 0;
}

// curl rewinds the body when it resends a request on a fresh connection (a kept-alive one the server
// had closed); without this the retry fails with CURLE_SEND_FAIL_REWIND.
int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > t->upload.size())
    return CURL_SEEKFUNC_FAIL;
  t->upload_pos = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

Status TransportError(CURLcode rc, const std::string& subject, const char* errbuf) {
  std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status(StatusCode::kDeadlineExceeded, subject,
                    "timed out (no progress or connect too slow): " + detail);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return Status::Unavailable(subject, "connection failed: " + detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return Status::FailedPrecondition(subject, "TLS certificate not verified: " + detail +
                                                     "; trust the server's CA with a CA bundle option");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument(subject, detail);
    case CURLE_OUT_OF_MEMORY:
      return Status::ResourceExhausted(subject, detail);
    case CURLE_ABORTED_BY_CALLBACK:
      return Status::Cancelled(subject, detail);
    default:
      return Status::IOError(subject, detail);
  }
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::string_view Response::Find(std::string_view name) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

std::string RedactUrl(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  size_t scheme = url.find("://");
  size_t host_start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t path_start = url.find('/', host_start);
  std::string_view authority = url.substr(
      host_start, path_start == std::string_view::npos ? std::string_view::npos : path_start - host_start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  // user:password@host — the userinfo goes.
  return std::string(url.substr(0, host_start)) + std::string(url.substr(host_start + at + 1));
}

bool IsLoopbackUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.find('@') != std::string_view::npos) return false;  // userinfo: not a URL we build
  if (rest.rfind("[::1]", 0) == 0) return rest.size() == 5 || rest[5] == ':';
  std::string_view host = rest.substr(0, rest.find(':'));
  if (EqualsIgnoreCase(host, "localhost")) return true;
  // 127.a.b.c, each part 0-255 in decimal: "127.evil.example" is not loopback.
  int parts = 0;
  for (size_t i = 0; i <= host.size();) {
    size_t dot = host.find('.', i);
    std::string_view part = host.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
    if (part.empty() || part.size() > 3) return false;
    int v = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    if (v > 255 || (parts == 0 && v != 127)) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  return parts == 4;
}

// Idle curl handles. A handle keeps its connection cache across curl_easy_reset, so reusing one
// reuses its kept-alive connection.
struct Client::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;  // guarded by mu
  size_t max_idle = 0;

  ~Pool() {
    for (CURL* h : idle) curl_easy_cleanup(h);
  }
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }
  void Release(CURL* h) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (idle.size() < max_idle) {
        idle.push_back(h);
        return;
      }
    }
    curl_easy_cleanup(h);
  }
};

Client::Client(ClientOptions options) : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  pool_->max_idle = options_.max_idle_handles;
  if (options_.max_bandwidth > 0) limiter_ = std::make_unique<pipeline::RateLimiter>(options_.max_bandwidth);
}

Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Create(const ClientOptions& options) {
  GlobalInitOnce();
  if (!options.ca_file.empty()) {
    if (FILE* f = std::fopen(options.ca_file.c_str(), "r")) {
      std::fclose(f);
    } else {
      return Status::FromErrno(errno, "CA bundle " + options.ca_file, "open");
    }
  }
  return std::unique_ptr<Client>(new Client(options));
}

namespace {
std::atomic<uint64_t> g_requests_sent{0}, g_list_pages_sent{0};

// A list page of either cloud API: what the query names (the path never holds these, keys are escaped).
bool IsListRequest(std::string_view url) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = url.substr(q);
  return query.find("comp=list") != std::string_view::npos ||
         query.find("list-type=") != std::string_view::npos;
}
}  // namespace

SentCounts RequestsSent() { return {g_requests_sent.load(), g_list_pages_sent.load()}; }

Result<Response> Client::Send(const Request& request) {
  const std::string subject = request.method + " " + RedactUrl(request.url);
  CURL* h = pool_->Acquire();
  if (h == nullptr) return Status::ResourceExhausted(subject, "cannot create a curl handle");

  Response response;
  Transfer t;
  t.upload = request.body;
  t.response = &response;
  t.head = request.method == "HEAD";
  t.limiter = limiter_.get();
  t.max_body = request.max_body > 0 ? request.max_body : kDefaultMaxBody;

  // Appending returns the list's head: new on the first append, the same pointer after; null when out of
  // memory, and then the request must not go out without a header it was meant to carry.
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  bool headers_ok = true;
  auto add_header = [&headers, &headers_ok](const std::string& line) {
    curl_slist* head = curl_slist_append(headers.get(), line.c_str());
    if (head == nullptr) headers_ok = false;
    if (head != nullptr && head != headers.get()) headers.reset(head);
  };
  for (const auto& hd : request.headers) {
    // "Name;" is curl's spelling of a header with an empty value ("Name:" would remove it).
    add_header(hd.value.empty() ? hd.name + ";" : hd.name + ": " + hd.value);
  }
  // No "Expect: 100-continue" round trip: the bodies are in memory and the servers answer fast.
  add_header("Expect:");
  if (!headers_ok) {
    pool_->Release(h);
    return Status::ResourceExhausted(subject, "out of memory building the request headers");
  }

  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are multi-threaded
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would re-send signed headers elsewhere
  // Whatever the URL says, only these two are spoken; and no TLS older than 1.2 (http_client.h).
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count() * 1000));
  t.stall_timeout = options_.stall_timeout;
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &OnProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count() * 1000));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.insecure ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.insecure ? 0L : 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);

  const bool has_body = !request.body.empty() || request.method == "PUT" || request.method == "POST";
  if (t.head) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    // UPLOAD streams the borrowed span with an exact Content-Length (no copy, no chunked encoding).
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &OnRead);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &OnSeek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  ++g_requests_sent;
  if (request.method == "GET" && IsListRequest(request.url)) ++g_list_pages_sent;
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  // The error buffer and the header list live on this stack frame: detach them before pooling.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  if (t.out_of_memory) {
    curl_easy_cleanup(h);
    return Status::ResourceExhausted(subject, "out of memory receiving the response");
  }
  if (t.too_large) {
    curl_easy_cleanup(h);  // the rest of the body is still on the connection
    return Status::Corruption(subject, "the server's response body is larger than the " +
                                           std::to_string(t.max_body) +
                                           " bytes this request accepts; stopped reading it");
  }
  if (t.error_truncated) {
    // The first kMaxErrorBody bytes of an error body are enough to say what went wrong.
    curl_easy_cleanup(h);
    response.status = t.status;
    return response;
  }
  if (rc != CURLE_OK) {
    // A failed transfer may leave its connection half-used: do not offer this handle again.
    curl_easy_cleanup(h);
    if (t.stalled) {
      return Status(StatusCode::kDeadlineExceeded, subject,
                    "stalled: no byte moved for " + std::to_string(options_.stall_timeout.count()) + " s");
    }
    return TransportError(rc, subject, errbuf);
  }
  // A body shorter than the server announced is a cut transfer, whatever the framing let through (a
  // connection closed early looks like the end of a body to a close-delimited reader): retryable.
  if (!t.head && status != 204 && status != 304) {  // these carry no body whatever Content-Length says
    uint64_t want = 0;
    if (ParseLength(response.Find("Content-Length"), &want) && want != response.body.size()) {
      curl_easy_cleanup(h);
      return Status::Unavailable(subject, "response body cut short: " + std::to_string(response.body.size()) +
                                              " of " + std::to_string(want) + " bytes");
    }
  }
  pool_->Release(h);
  response.status = status;
  NoteRequestIds(response);  // for the audit trail (request_ids.h)
  return response;
}

}  // namespace cv::http
