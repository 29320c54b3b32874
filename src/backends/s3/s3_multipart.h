// src/backends/s3/s3_multipart.h — the parts of a multipart upload, sent in parallel.
//
// Parts are spans of the caller's buffer (no copies) and go up `threads` at a time on short-lived
// threads: a 64 MiB+ object is rare in a vault (packs are ~8 MiB), so a standing pool would idle.
// The first failure stops the threads from starting further parts; parts in flight finish.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "backends/s3/s3_client.h"

namespace cv::backends::s3 {

// The part size for an object: `preferred`, at least S3's 5 MiB minimum, grown (to a whole MiB) if the
// object would need more than S3's 10,000 parts.
uint64_t PartSizeFor(uint64_t object_size, uint64_t preferred);

// UploadPart for every part of `data` under `upload_id`; the ETags in part order. `fail` maps an
// unexpected response to a Status (the store's error mapping, which names the object).
Result<std::vector<std::string>> UploadParts(S3Client& client, const std::string& key,
                                             const std::string& upload_id, std::span<const uint8_t> data,
                                             uint64_t part_size, int threads,
                                             const std::function<Status(const http::Response&)>& fail);

}  // namespace cv::backends::s3
