// src/storage/utc_time.h — the three spellings of a UTC instant that stores use: RFC 3339 / ISO 8601
// (S3's LastModified and RetainUntilDate, our messages) and RFC 1123 (HTTP's Last-Modified, Azure's
// immutability until-date). Pure, locale-independent, no time zone database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cv::storage {

// "2027-01-01T00:00:00Z".
std::string FormatUtc(int64_t unix_seconds);
// "2026-12-06T13:34:39Z", with optional fractional seconds ("...39.000Z") and "Z" or "+00:00"; the
// fraction is dropped. nullopt for anything else.
std::optional<int64_t> ParseIso8601(std::string_view s);
// "Sun, 06 Nov 1994 08:49:37 GMT". nullopt for anything else.
std::optional<int64_t> ParseRfc1123(std::string_view s);

}  // namespace cv::storage
