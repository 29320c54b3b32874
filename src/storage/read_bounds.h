// src/storage/read_bounds.h — how every backend bounds a read by the sizes a store reports, and the
// messages it gives when they do not add up, so that "the store lied about a size" reads the same on
// every backend (and names the object).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"
#include "storage/object_store.h"

namespace cv::storage {

// A whole-object read of something larger than kMaxWholeObjectRead.
inline Status TooLargeForWholeRead(std::string_view subject, uint64_t size) {
  return Status::Corruption(subject, "object is " + std::to_string(size) + " bytes, more than the " +
                                         std::to_string(kMaxWholeObjectRead >> 20) +
                                         " MiB a whole-object read accepts; it was not written by cassvault");
}

// A read that came back with another length than the range asked for.
inline Status WrongLength(std::string_view subject, uint64_t got, uint64_t want) {
  return Status::Corruption(subject, std::string(got < want ? "short read: " : "overlong read: ") + "got " +
                                         std::to_string(got) + " bytes where " + std::to_string(want) +
                                         " were asked for (the store's data or its listing is wrong)");
}

// An object of `size` bytes that ends before the range asked for.
inline Status ShorterThanRange(std::string_view subject, uint64_t size) {
  return Status::Corruption(subject,
                            "object is " + std::to_string(size) + " bytes, shorter than the range asked for");
}

// Get with length 0 ("to the end"): how many bytes to read from `offset` of an object the store sizes at
// `size` now (a Stat or HEAD just made), 0 when `offset` is its end. Refused before anything is
// allocated: an offset past the end, or more than kMaxWholeObjectRead (object_store.h).
inline Result<uint64_t> WholeReadLength(std::string_view subject, uint64_t size, uint64_t offset) {
  if (offset > size) return ShorterThanRange(subject, size);
  if (size - offset > kMaxWholeObjectRead) return TooLargeForWholeRead(subject, size);
  return size - offset;
}

}  // namespace cv::storage
