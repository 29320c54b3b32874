#include "backends/azure/blob_xml.h"

namespace cv::backends::azure {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// One element found in a document: its attributes (raw) and its inner text (raw, still escaped).
struct Element {
  bool found = false;
  std::string_view attrs;
  std::string_view inner;
  size_t end = 0;  // offset just past the element
};

// The first <tag ...>...</tag> or <tag .../> at or after `from`. A match must be the whole tag name:
// looking for "Blob" skips "<Blobs>" and "<BlobPrefix>".
Element FindElement(std::string_view xml, std::string_view tag, size_t from = 0) {
  Element e;
  std::string open = "<" + std::string(tag);
  for (size_t pos = xml.find(open, from); pos != std::string_view::npos; pos = xml.find(open, pos + 1)) {
    size_t after = pos + open.size();
    if (after >= xml.size()) return e;
    char c = xml[after];
    if (c != '>' && c != ' ' && c != '/' && c != '\t' && c != '\r' && c != '\n') continue;
    size_t close = xml.find('>', after);
    if (close == std::string_view::npos) return e;
    if (xml[close - 1] == '/') {  // <tag ... />: empty
      e.found = true;
      e.attrs = xml.substr(after, close - 1 - after);
      e.end = close + 1;
      return e;
    }
    std::string end_tag = "</" + std::string(tag) + ">";
    size_t end = xml.find(end_tag, close + 1);
    if (end == std::string_view::npos) return e;
    e.found = true;
    e.attrs = xml.substr(after, close - after);
    e.inner = xml.substr(close + 1, end - close - 1);
    e.end = end + end_tag.size();
    return e;
  }
  return e;
}

}  // namespace

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      uint32_t cp = 0;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      bool ok = ent.size() > (hex ? 2u : 1u);
      for (char c : ent.substr(hex ? 2 : 1)) {
        int d = hex ? HexDigit(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
        if (d < 0 || cp > 0x10FFFF) {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      }
      if (!ok || cp > 0x10FFFF) {
        out += s.substr(i, semi - i + 1);
      } else {
        AppendUtf8(cp, &out);
      }
    } else {
      out += s.substr(i, semi - i + 1);  // unknown entity: keep as is
    }
    i = semi;
  }
  return out;
}

Result<ListPage> ParseListBlobs(std::string_view xml) {
  const char* kSubject = "List Blobs response";
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
