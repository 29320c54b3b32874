// src/core/json_int.h — integers read from stored JSON documents.
//
// nlohmann's get<int64_t>() converts a float (3e125) or an unsigned above INT64_MAX with undefined
// behaviour, and `value(key, 0)` does the same; fuzz/governance_json found it in a gc mark. Every integer
// field of a document read from the store goes through these instead. They throw std::invalid_argument
// naming the field, which the parsers' existing catch turns into Corruption naming the object.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cv::json_int {

inline int64_t Of(const nlohmann::json& v, std::string_view key) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw std::invalid_argument("field '" + std::string(key) + "' is out of range");
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (!v.is_number_integer())
    throw std::invalid_argument("field '" + std::string(key) + "' is not an integer");
  return v.get<int64_t>();
}

// The field `key` of object `j`; throws (nlohmann's out_of_range) when it is missing.
inline int64_t At(const nlohmann::json& j, std::string_view key) { return Of(j.at(std::string(key)), key); }

// The field, or `fallback` when it is missing.
inline int64_t Value(const nlohmann::json& j, std::string_view key, int64_t fallback) {
  auto it = j.find(std::string(key));
  return it == j.end() ? fallback : Of(*it, key);
}

// A field that must fit in 0..UINT32_MAX.
inline uint32_t U32Value(const nlohmann::json& j, std::string_view key, uint32_t fallback) {
  int64_t v = Value(j, key, fallback);
  if (v < 0 || v > std::numeric_limits<uint32_t>::max())
    throw std::invalid_argument("field '" + std::string(key) + "' is out of range");
  return static_cast<uint32_t>(v);
}

// Non-throwing reads for documents a weaker key may have written (audit records): a missing or ill-typed
// field gives `fallback`, never an exception or undefined behaviour. `j` must be an object.
inline int64_t IntOr(const nlohmann::json& j, std::string_view key, int64_t fallback) {
  auto it = j.find(std::string(key));
  if (it == j.end()) return fallback;
  if (it->is_number_unsigned())
    return it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? fallback
               : static_cast<int64_t>(it->get<uint64_t>());
  return it->is_number_integer() ? it->get<int64_t>() : fallback;
}
inline std::string StringOr(const nlohmann::json& j, std::string_view key, const std::string& fallback) {
  auto it = j.find(std::string(key));
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace cv::json_int
