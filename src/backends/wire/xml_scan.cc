#include "backends/wire/xml_scan.h"

#include <cstdint>

namespace cv::backends::wire {
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

}  // namespace

XmlElement FindXmlElement(std::string_view xml, std::string_view tag, size_t from) {
  XmlElement e;
  std::string open = "<" + std::string(tag);
  for (size_t pos = xml.find(open, from); pos != std::string_view::npos; pos = xml.find(open, pos + 1)) {
    size_t after = pos + open.size();
    if (after >= xml.size()) return e;
    char c = xml[after];
    if (c != '>' && c != ' ' && c != '/' && c != '\t' && c != '\r' && c != '\n') continue;
    size_t close = xml.find('>', after);
    if (close == std::string_view::npos) return e;
    e.start = pos;
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

std::string_view XmlRootName(std::string_view xml) {
  size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    if (pos + 1 < xml.size() && (xml[pos + 1] == '?' || xml[pos + 1] == '!')) {
      ++pos;
      continue;
    }
    size_t end = xml.find_first_of(" \t\r\n/>", pos + 1);
    if (end == std::string_view::npos) return {};
    return xml.substr(pos + 1, end - pos - 1);
  }
  return {};
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    size_t semi = s[i] == '&' ? s.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out += '&';
    } else if (ent == "lt") {
      out += '<';
    } else if (ent == "gt") {
      out += '>';
    } else if (ent == "quot") {
      out += '"';
    } else if (ent == "apos") {
      out += '\'';
    } else if (ent.size() > 1 && ent[0] == '#') {
      const bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      bool ok = !digits.empty();
      for (char c : digits) {
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0 || cp > 0x10FFFF) {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      }
      if (ok && cp <= 0x10FFFF) {
        AppendUtf8(cp, &out);
      } else {
        out += s.substr(i, semi - i + 1);
      }
    } else {
      out += s.substr(i, semi - i + 1);  // unknown entity: kept as is
    }
    i = semi;
  }
  return out;
}

}  // namespace cv::backends::wire
