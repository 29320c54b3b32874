#include "vault/index_consolidation.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "vault/key_slots.h"

namespace cv::vault {

using layout::ObjectKind;

Result<std::optional<LoadedConsolidation>> ReadNewestConsolidation(
    ObjectTable& table, const std::vector<storage::ObjectInfo>& listed, ProblemLog& problems) {
  for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
    auto bytes = table.GetFramedAt(ObjectKind::kConsolidatedIndex, it->key, it->size);
    Result<ConsolidatedIndex> body = bytes.ok() ? DecodeConsolidatedIndex(*bytes, table.Subject(it->key))
                                                : Result<ConsolidatedIndex>(bytes.status());
    if (!body.ok()) {
      if (!IsObjectProblem(body.status())) return body.status();
      problems.Add(it->key,
                   "consolidated index skipped (an older one, or the index objects, are read instead): " +
                       body.status().message());
      continue;
    }
    // Only names of its own partition count: a consolidation claiming another partition's objects would hide
    // them from this one's load.
    std::string node = it->key.substr(layout::KindInfo(ObjectKind::kConsolidatedIndex).prefix.size(), 16);
    bool foreign = false;
    for (const auto& n : body->covers) {
      auto parsed = layout::ParsePartitionedIndexKey(n);
      if (!parsed || parsed->node_id != node) foreign = true;
    }
    if (foreign) {
      problems.Add(it->key, "consolidated index skipped: it names index objects of another partition");
      continue;
    }
    return std::optional<LoadedConsolidation>(LoadedConsolidation{it->key, std::move(body).value()});
  }
  return std::optional<LoadedConsolidation>();
}

Result<std::string> WriteConsolidation(ObjectTable& table, std::string_view node_id, ConsolidatedIndex body,
                                       std::string_view after) {
  if (!layout::IsValidNodeId(node_id))
    return Status::Internal("consolidated index", "only a partition's index is consolidated");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  CV_ASSIGN_OR_RETURN(std::string random, RandomHex(8));
  std::string name = layout::ConsolidatedIndexKey(node_id, now, random);
  // Readers take the name that sorts last as the newest, so this one must sort after `after`: in the same
  // second (or with a clock behind it), take its stamp and the next suffix. Random draws could not promise
  // that for several consolidations in one second.
  if (!after.empty() && name <= after && after.size() >= 16) {
    const std::string_view suffix = after.substr(after.size() - 16);
    uint64_t n = 0;
    if (std::from_chars(suffix.data(), suffix.data() + suffix.size(), n, 16).ec == std::errc() &&
        n != UINT64_MAX) {
      char next[17];
      std::snprintf(next, sizeof next, "%016llx", static_cast<unsigned long long>(n) + 1);
      name = std::string(after.substr(0, after.size() - 16)) + next;
    }
  }
  CV_RETURN_IF_ERROR(
      table.PutFramedAt(ObjectKind::kConsolidatedIndex, name, EncodeConsolidatedIndex(std::move(body))));
  return name;
}

}  // namespace cv::vault
