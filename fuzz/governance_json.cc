// fuzz/governance_json.cc — the admin's signed decisions as read back from the store, after their signature
// verified (a holder of the admin key, or a bug in an older cassvault, chose the bytes): backup marks
// (marks/, core/backup_marks) and prune's gc marks (gc/, vault/gc_marks). The first byte picks the parser.
// Beyond "no crash", it checks what prune relies on: a mark object that parses re-encodes to bytes that
// parse to the same bytes, its fold never shortens a lock, and compaction keeps every backup's state.
#include <cstdlib>
#include <string>

#include "core/backup_marks.h"
#include "fuzz/fuzz_input.h"
#include "vault/gc_marks.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool SameState(const cv::marks::BackupState& a, const cv::marks::BackupState& b) {
  return a.deleted == b.deleted && a.purged == b.purged && a.purge_after == b.purge_after &&
         a.retain_until == b.retain_until && a.locked_until == b.locked_until;
}

void Marks(std::string_view text) {
  auto m = cv::marks::MarkObjectFromJson(text, "marks/fuzz");
  if (!m.ok()) return;
  std::string again = cv::marks::MarkObjectToJson(*m);
  auto m2 = cv::marks::MarkObjectFromJson(again, "marks/fuzz");
  Check(m2.ok() && cv::marks::MarkObjectToJson(*m2) == again);

  cv::marks::State state;
  for (const auto& e : m->entries) {
    int64_t before = state.Of(e.backup_id, "").locked_until;
    state.Add(e);
    Check(state.Of(e.backup_id, "").locked_until >= before);  // a lock only grows
  }
  cv::marks::State compacted;
  for (const auto& e : state.Compact()) compacted.Add(e);
  for (const auto& e : m->entries) {
    if (e.backup_id.empty()) continue;
    Check(SameState(state.Of(e.backup_id, ""), compacted.Of(e.backup_id, "")));
  }
}

void GcMarks(std::string_view text) {
  auto m = cv::vault::GcMarkFromJson(text, "gc/fuzz");
  if (!m.ok()) return;
  std::string again = cv::vault::GcMarkToJson(*m);
  auto m2 = cv::vault::GcMarkFromJson(again, "gc/fuzz");
  Check(m2.ok() && cv::vault::GcMarkToJson(*m2) == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  uint8_t selector = cv::fuzz::TakeSelector(&in);
  std::string_view text = cv::fuzz::Text(in);
  switch (selector % 2) {
    case 0:
      Marks(text);
      break;
    case 1:
      GcMarks(text);
      break;
  }
  return 0;
}
