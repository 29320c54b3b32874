#include "vault/span_reader.h"

#include <algorithm>

#include "core/vault_layout.h"
#include "pipeline/cpu_stages.h"

namespace cv::vault {

SpanReader::SpanReader(Vault& vault, const std::vector<ObjectId>& needed, Options options)
    : vault_(vault), options_(options) {
  // Each needed blob's place, grouped by pack and sorted by offset.
  std::vector<IndexEntry> places;
  places.reserve(needed.size());
  std::unordered_map<ObjectId, bool, ObjectIdHash> seen;
  for (const auto& id : needed) {
    if (!seen.emplace(id, true).second) continue;
    if (auto loc = vault_.LocateBlob(id)) places.push_back(*loc);
  }
  std::sort(places.begin(), places.end(), [](const IndexEntry& a, const IndexEntry& b) {
    return a.pack_id != b.pack_id ? a.pack_id < b.pack_id : a.entry.offset < b.entry.offset;
  });
  for (const auto& p : places) {
    const uint64_t end = p.entry.offset + p.entry.stored_len;
    bool extend = !spans_.empty() && spans_.back().pack == p.pack_id &&
                  p.entry.offset <= spans_.back().start + spans_.back().length + options_.max_gap &&
                  end - spans_.back().start <= options_.max_span;
    if (extend) {
      Span& s = spans_.back();
      s.length = std::max(s.length, end - s.start);
      ++s.blobs;
    } else {
      spans_.push_back(Span{p.pack_id, p.entry.offset, p.entry.stored_len, 1});
    }
    span_of_[p.entry.blob_id] = Place{spans_.size() - 1, p.entry};
  }
}

std::pair<ObjectId, uint64_t> SpanReader::SortKey(const ObjectId& id) const {
  auto it = span_of_.find(id);
  if (it == span_of_.end()) return {ObjectId{}, 0};
  return {spans_[it->second.span].pack, spans_[it->second.span].start};
}

uint64_t SpanReader::spans_fetched() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetched_;
}

Status SpanReader::ReadBlob(const ObjectId& id, BlobCodec& codec, std::vector<uint8_t>* out) {
  auto it = span_of_.find(id);
  if (it == span_of_.end() || spans_[it->second.span].blobs < 2) return vault_.ReadBlob(id, codec, out);
  const size_t index = it->second.span;
  const PackEntry& entry = it->second.entry;
  const Span& span = spans_[index];
  std::shared_ptr<const Fetched> bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto c = cache_.begin(); c != cache_.end(); ++c) {
      if (c->first == index) {
        bytes = c->second;
        cache_.splice(cache_.begin(), cache_, c);
        break;
      }
    }
  }
  const std::string pack_key = vault_.packs().Key(span.pack);
  if (!bytes) {
    // Fetched outside the lock: two workers may race for one span and fetch it twice, which costs a
    // request but never a wrong byte.
    auto fetched = std::make_shared<Fetched>();
    // A length of 0 would ask the store for "to the end": no sealed blob is that short.
    if (span.length < codec.SealOverhead()) return Status::Corruption(pack_key, "a blob entry is too short");
    {
      pipeline::CpuStages::Scope timed("pack_read");
      CV_ASSIGN_OR_RETURN(fetched->view,
                          vault_.store().GetView(pack_key, span.start, span.length, &fetched->buf));
    }
    bytes = fetched;
    std::lock_guard<std::mutex> lock(mu_);
    ++fetched_;
    cache_.emplace_front(index, bytes);
    while (cache_.size() > std::max<size_t>(options_.cache_spans, 1)) cache_.pop_back();
  }
  const uint64_t at = entry.offset - span.start;
  if (at + entry.stored_len > bytes->view.size()) {
    return Status::Corruption(pack_key, "a span read back shorter than the index says");
  }
  CV_ASSIGN_OR_RETURN(auto key, vault_.PackContentKey(span.pack));
  return codec.Open(entry, bytes->view.subspan(at, entry.stored_len), key.get(), out).Annotate(pack_key);
}

}  // namespace cv::vault
