// src/storage/object_key.h — which names may be vault objects, for every backend alike.
//
// The engine builds keys ("config", "keys/<id>", "packs/ab/<sha256>", ...), but keys also come back from
// the store: a listing, or a manifest someone tampered with. One rule, shared by all backends, so that
// a name a local directory would refuse is refused by Azure and S3 too (which would quietly normalise
// "a/../b" into another object).
//
// A valid key: 1..1024 bytes; no leading or trailing '/', no empty component ("//"), no ".."; no control
// character (0x00-0x1f, 0x7f), no backslash. Nothing else is promised: the engine checks its own name
// shapes (hex ids) on top.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace cv::storage {

inline constexpr size_t kMaxObjectKeyBytes = 1024;

bool IsValidObjectKey(std::string_view key);

// InvalidArgument naming the key (control characters shown as \xNN) when it is not valid.
Status CheckObjectKey(std::string_view key);

// `key` with control characters, backslashes and bytes >= 0x80 written as \xNN, at most 200 bytes of it:
// what a message may show of a name that came from the store.
std::string PrintableKey(std::string_view key);

// A listing met a name that cannot be a vault object (junk someone with write access added). Listings
// skip such names instead of failing every command over one foreign file; this says so on stderr,
// naming it, so that the operator can remove it.
void WarnSkippedKey(std::string_view store, std::string_view key);

}  // namespace cv::storage
