// The hot path must not allocate per record once a transformer is warm: each
// job thread keeps one VisitTransformer and one output string.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "logic/visit_transform.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Counts every operator new in this test binary (malloc itself is left
// alone). All plain forms are replaced together so that new and delete stay
// paired, libraries included.
namespace {
void* CountedAlloc(std::size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace
void* operator new(std::size_t size) {
  if (void* p = CountedAlloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = CountedAlloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return CountedAlloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return CountedAlloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace rp::logic {
namespace {

std::vector<std::string> Records() {
  std::vector<std::string> records;
  for (int i = 0; i < 100; ++i) {
    records.push_back(R"({"event_id": "click-)" + std::to_string(i) + R"(", "visit_id": )" + std::to_string(i) +
                      R"(, "event_time": "2025-09-04T07:)" + std::to_string(10 + i % 50) +
                      R"(:00.000000", "page": "a page with a name long enough to leave the small-string buffer"})");
  }
  records.push_back(R"({"event_id":{"nested":[1,2.5,"x"]},"visit_id":"wrong","event_time":1756962000,"page":7})");
  records.push_back(R"({"event_time":"2025-09-04 07:00:00 America/New_York","page":null})");
  records.push_back(R"({"event_time":"2025-03-30T02:30:00"})");
  return records;
}

long AllocationsDuring(VisitTransformer& t, const std::vector<std::string>& records, std::string* out) {
  const long before = g_allocations.load();
  for (int round = 0; round < 10; ++round) {
    for (const std::string& r : records) {
      auto rejection = t.Transform(r, out);
      EXPECT_FALSE(rejection.has_value()) << r;
    }
  }
  return g_allocations.load() - before;
}

TEST(Allocation, AWarmTransformerDoesNotAllocatePerRecord) {
  const std::vector<std::string> records = Records();
  TransformOptions options;
  options.zone = *TimeZone::Find("Europe/Paris");
  VisitTransformer t(options);
  std::string out;
  AllocationsDuring(t, records, &out);  // warm-up: parser buffers, output capacity, zone caches
  EXPECT_EQ(AllocationsDuring(t, records, &out), 0);
}

TEST(Allocation, AWarmStrictTransformerDoesNotAllocatePerAcceptedRecord) {
  std::vector<std::string> records = Records();
  records.resize(100);  // only complete records
  TransformOptions options;
  options.zone = *TimeZone::Find("America/New_York");
  options.strict = true;
  VisitTransformer t(options);
  std::string out;
  AllocationsDuring(t, records, &out);
  EXPECT_EQ(AllocationsDuring(t, records, &out), 0);
}

TEST(Allocation, ParseReusesTheVisitsStringsWhileFieldsStayPresent) {
  std::vector<std::string> records = Records();
  records.resize(100);  // every field present: a null would free the string
  TransformOptions options;
  options.zone = *TimeZone::Find("Europe/Paris");
  VisitTransformer t(options);
  Visit visit;
  for (const std::string& r : records) ASSERT_FALSE(t.Parse(r, &visit));
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(t.Parse(records[static_cast<size_t>(i)], &visit));
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace rp::logic
