#include "http/request_ids.h"

#include <array>
#include <mutex>

#include "http/http_client.h"

namespace cv::http {

namespace {

// Ids are what services document (GUIDs, base64-ish strings); anything else is cut or dropped so that a
// hostile server cannot put a document into an audit record.
constexpr size_t kMaxIdLength = 128;

std::string Clean(std::string_view v) {
  std::string out;
  for (char c : v.substr(0, kMaxIdLength)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=';
    if (ok) out.push_back(c);
  }
  return out;
}

struct Collector {
  std::mutex mu;
  std::array<std::string, kKeptRequestIds> ring;  // GUARDED_BY(mu)
  uint64_t count = 0;                             // ids ever noted; GUARDED_BY(mu)
  std::optional<CallerIdentity> caller;           // GUARDED_BY(mu)
};

Collector& Get() {
  static Collector* c = new Collector();  // never destroyed: worker threads may note ids during exit
  return *c;
}

}  // namespace

void NoteRequestIds(const Response& response) {
  static constexpr std::string_view kNames[] = {"x-ms-request-id", "x-amz-request-id",
                                                "x-ms-client-request-id"};
  for (std::string_view name : kNames) {
    std::string id = Clean(response.Find(name));
    if (id.empty()) continue;
    Collector& c = Get();
    std::lock_guard<std::mutex> lock(c.mu);
    c.ring[c.count % kKeptRequestIds] = std::string(name) + "=" + id;
    ++c.count;
  }
}

uint64_t RequestIdMark() {
  Collector& c = Get();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.count;
}

std::vector<std::string> RequestIdsSince(uint64_t mark, size_t max) {
  Collector& c = Get();
  std::lock_guard<std::mutex> lock(c.mu);
  uint64_t from = std::max(mark, c.count > kKeptRequestIds ? c.count - kKeptRequestIds : 0);
  if (c.count - from > max) from = c.count - max;
  std::vector<std::string> out;
  for (uint64_t i = from; i < c.count; ++i) out.push_back(c.ring[i % kKeptRequestIds]);
  return out;
}

void NoteCallerIdentity(const CallerIdentity& who) {
  CallerIdentity clean{Clean(who.object_id), Clean(who.app_id), Clean(who.tenant_id)};
  Collector& c = Get();
  std::lock_guard<std::mutex> lock(c.mu);
  c.caller = std::move(clean);
}

std::optional<CallerIdentity> LastCallerIdentity() {
  Collector& c = Get();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.caller;
}

}  // namespace cv::http
