// fuzz/policy_json.cc — a policy's canonical JSON as read from policies/<name>/<version> (core/policy), and
// the cron and slot-tag parsers under it (core/cron, core/schedule). The first byte picks the parser.
// Beyond "no crash", it checks the properties the daemon relies on: a policy that parses re-encodes to
// bytes that parse to the same bytes, slots strictly increase and Latest agrees with Next, and a slot tag
// round-trips.
#include <algorithm>
#include <cstdlib>

#include "core/policy.h"
#include "core/schedule.h"
#include "fuzz/fuzz_input.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void Slots(const cv::sched::Schedule& s) {
  const int64_t from = 1798761600;  // 2027-01-01
  auto slots = cv::sched::NextSlots(s, from, 8);
  for (size_t i = 0; i < slots.size(); ++i) {
    Check(slots[i] > (i == 0 ? from : slots[i - 1]));
    Check(cv::sched::LatestSlotAtOrBefore(s, slots[i]) == slots[i]);
    int64_t deadline = cv::sched::SlotDeadline(s, slots[i]);
    Check(deadline >= slots[i]);
    int64_t start = cv::sched::JitteredStart(s, slots[i], static_cast<uint64_t>(slots[i]) * 2654435761u);
    Check(start >= slots[i] && start <= std::max(slots[i], deadline - 1));
    auto tag = cv::sched::ParseSlotTag(cv::sched::SlotTag("p", slots[i]));
    Check(tag.has_value() && tag->slot == slots[i] - slots[i] % 60);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  uint8_t selector = cv::fuzz::TakeSelector(&in);
  std::string_view text = cv::fuzz::Text(in);
  switch (selector % 3) {
    case 0: {
      auto p = cv::policy::PolicyFromJson(text, "policies/fuzz");
      if (!p.ok()) break;
      std::string once = cv::policy::PolicyToJson(*p);
      auto again = cv::policy::PolicyFromJson(once, "policies/fuzz");
      Check(again.ok() && cv::policy::PolicyToJson(*again) == once);
      (void)cv::policy::DescribePolicy(*p);
      Slots(p->schedule);
      break;
    }
    case 1: {
      auto s = cv::sched::MakeSchedule(text, selector & 4 ? "Europe/Berlin" : "Australia/Lord_Howe", {}, "");
      if (s.ok()) Slots(*s);
      break;
    }
    default: {
      auto t = cv::sched::ParseSlotTag(text);
      if (t) Check(cv::sched::SlotTag(t->policy, t->slot) == text);
      break;
    }
  }
  return 0;
}
