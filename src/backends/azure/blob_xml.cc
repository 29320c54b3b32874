#include "backends/azure/blob_xml.h"

#include "backends/wire/uri_encode.h"

namespace cv::backends::azure {
namespace {

using wire::FindXmlElement;
using wire::PercentDecode;
using Element = wire::XmlElement;

Element FindElement(std::string_view xml, std::string_view tag, size_t from = 0) {
  return FindXmlElement(xml, tag, from);
}

}  // namespace

Result<ListPage> ParseListBlobs(std::string_view xml) {
  constexpr const char* kSubject = "List Blobs response";
  if (!FindElement(xml, "EnumerationResults").found) {
    return Status::IOError(kSubject, "no <EnumerationResults> element: not a blob listing");
  }
  ListPage page;
  Element blobs = FindElement(xml, "Blobs");
  for (size_t pos = 0; blobs.found;) {
    Element blob = FindElement(blobs.inner, "Blob", pos);
    if (!blob.found) break;
    pos = blob.end;
    Element name = FindElement(blob.inner, "Name");
    Element len = FindElement(blob.inner, "Content-Length");
    if (!name.found || !len.found || len.inner.empty()) {
      return Status::IOError(kSubject, "a <Blob> without <Name> or <Content-Length>");
    }
    ListedBlob b;
    b.name = XmlUnescape(name.inner);
    if (name.attrs.find("Encoded=\"true\"") != std::string_view::npos) b.name = PercentDecode(b.name);
    for (char c : len.inner) {
      if (c < '0' || c > '9') return Status::IOError(kSubject, "a <Content-Length> that is not a number");
      b.size = b.size * 10 + static_cast<uint64_t>(c - '0');
    }
    if (Element mod = FindElement(blob.inner, "Last-Modified"); mod.found)
      b.modified = storage::ParseRfc1123(mod.inner).value_or(0);
    if (Element v = FindElement(blob.inner, "VersionId"); v.found) {
      b.version_id = XmlUnescape(v.inner);
      Element cur = FindElement(blob.inner, "IsCurrentVersion");
      b.current = cur.found && cur.inner == "true";
    }
    page.blobs.push_back(std::move(b));
  }
  // NextMarker follows </Blobs>; searching after it keeps a blob literally named "NextMarker" harmless.
  Element next = FindElement(xml, "NextMarker", blobs.found ? blobs.end : 0);
  if (next.found) page.next_marker = XmlUnescape(next.inner);
  return page;
}

ErrorBody ParseErrorBody(std::string_view xml) {
  ErrorBody e;
  Element code = FindElement(xml, "Code");
  if (code.found) e.code = XmlUnescape(code.inner);
  Element msg = FindElement(xml, "Message");
  if (msg.found) {
    std::string m = XmlUnescape(msg.inner);
    e.message = m.substr(0, m.find('\n'));  // the rest is RequestId/Time, which we report from headers
  }
  return e;
}

std::string BlockListXml(const std::vector<std::string>& block_ids) {
  std::string x = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (const auto& id : block_ids) x += "<Latest>" + id + "</Latest>";  // base64: nothing to escape
  x += "</BlockList>";
  return x;
}

}  // namespace cv::backends::azure
