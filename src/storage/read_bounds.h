// src/storage/read_bounds.h — the messages every backend gives when a store's sizes do not add up, so
// that "the store lied about a size" reads the same on every backend (and names the object).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

}  // namespace cv::storage
