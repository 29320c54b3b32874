// src/backends/azure/blob_xml.h — the few XML documents of the Blob API, read and written by hand.
//
// The responses we read are flat and machine-written (List Blobs' EnumerationResults, the Error body),
// so a full XML parser would be a dependency for nothing. What is handled, because Azure does it: the
// five predefined entities and numeric character references, self-closing empty elements
// (`<NextMarker />`), attributes on an element (`<Name Encoded="true">`), and names percent-encoded when
// they hold characters XML cannot carry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backends/wire/xml_scan.h"
#include "core/result.h"
#include "storage/utc_time.h"

namespace cv::backends::azure {

struct ListedBlob {
  std::string name;
  uint64_t size = 0;
  int64_t modified = 0;    // <Last-Modified>, unix seconds; 0 if absent or unreadable
  std::string version_id;  // <VersionId> (include=versions on a versioned account); else empty
  bool current = true;     // <IsCurrentVersion>; true when the listing has no versions
};

struct ListPage {
  std::vector<ListedBlob> blobs;
  std::string next_marker;  // empty on the last page
};

// IOError (naming what is missing) if the document is not a List Blobs response.
Result<ListPage> ParseListBlobs(std::string_view xml);

// The <Code> and first line of <Message> of an Error body; empty strings if absent.
struct ErrorBody {
  std::string code;
  std::string message;
};
ErrorBody ParseErrorBody(std::string_view xml);

// Put Block List's body: every id as <Latest>, in blob order.
std::string BlockListXml(const std::vector<std::string>& block_ids);

// XML text: the predefined entities and &#N; / &#xH; references decoded (UTF-8).
using wire::XmlUnescape;

}  // namespace cv::backends::azure
