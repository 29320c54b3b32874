// src/backends/wire/xml_scan.h — reading the flat, machine-written XML that cloud storage APIs answer
// with (Azure's EnumerationResults and Error, S3's ListBucketResult, Error, multipart results), by hand:
// a full XML parser would be a dependency for nothing.
//
// Handled, because the services do it: the five predefined entities and numeric character references,
// self-closing empty elements (`<NextMarker />`), attributes on an element (`<Name Encoded="true">`,
// xmlns), and whole-name matching (looking for <Key> skips <KeyCount>, <Blob> skips <Blobs>).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cv::backends::wire {

// One element found in a document: its attributes and inner text, raw (still escaped).
struct XmlElement {
  bool found = false;
  std::string_view attrs;
  std::string_view inner;
  size_t start = 0;  // offset of its '<'
  size_t end = 0;    // offset just past it
};

// The first <tag ...>...</tag> or <tag .../> at or after `from`.
XmlElement FindXmlElement(std::string_view xml, std::string_view tag, size_t from = 0);

// The name of the first element after the prolog and comments ("" if none).
std::string_view XmlRootName(std::string_view xml);

std::string XmlEscape(std::string_view s);
// Entities and character references decoded; an unknown or malformed one is kept as written.
std::string XmlUnescape(std::string_view s);

}  // namespace cv::backends::wire
