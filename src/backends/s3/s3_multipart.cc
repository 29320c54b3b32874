#include "backends/s3/s3_multipart.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace cv::backends::s3 {

uint64_t PartSizeFor(uint64_t object_size, uint64_t preferred) {
  constexpr uint64_t kMaxParts = 10000, kMiB = 1ull << 20, kMinPart = 5 * kMiB;
  uint64_t part = std::max<uint64_t>(preferred, kMinPart);  // S3 refuses smaller parts (EntityTooSmall)
  if ((object_size + part - 1) / part > kMaxParts)
    part = ((object_size + kMaxParts - 1) / kMaxParts + kMiB - 1) / kMiB * kMiB;
  return part;
}

Result<std::vector<std::string>> UploadParts(S3Client& client, const std::string& key,
                                             const std::string& upload_id, std::span<const uint8_t> data,
                                             uint64_t part_size, int threads,
                                             const std::function<Status(const http::Response&)>& fail) {
  const size_t parts = static_cast<size_t>((data.size() + part_size - 1) / part_size);
  std::vector<std::string> etags(parts);
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  Status first_error;  // guarded by mu

  auto worker = [&] {
    for (size_t i = next++; i < parts && !stop.load(); i = next++) {
      const uint64_t off = i * part_size;
      S3Request req =
          MakeRequest("PUT", key, {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}}, {},
                      data.subspan(off, std::min<uint64_t>(part_size, data.size() - off)));
      Status st;
      auto r = client.Send(req);
      if (!r.ok()) {
        st = r.status();
      } else if (r->status != 200) {
        st = fail(*r);
      } else if (r->Find("ETag").empty()) {
        st = Status::IOError("UploadPart " + std::to_string(i + 1), "response without an ETag");
      } else {
        etags[i] = std::string(r->Find("ETag"));
      }
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = st;
        stop = true;
      }
    }
  };
  const size_t n = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), parts);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();  // this thread works too
  for (auto& t : pool) t.join();
  if (!first_error.ok()) return first_error;
  return etags;
}

}  // namespace cv::backends::s3
