// globalTid / globalPid decoding (ext/core/global_tid.h) with the examples of
// docs/SEMANTICS.md and the bit layout
//   [hardware:8][VM:8][process id:24][thread id:24].
#include "core/global_tid.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace nsysexplain::core {
namespace {

TEST(GlobalTid, VmExample) {
  const int64_t g = 302119224788637;
  EXPECT_EQ(HwOf(g), 0);
  EXPECT_EQ(VmOf(g), 1);
  EXPECT_EQ(PidOf(g), 1230493);
  EXPECT_EQ(TidOf(g), 1230493);
  EXPECT_EQ(ProcessKey(g), g - 1230493);
  EXPECT_EQ(ProcessKey(g), (int64_t{1} << 48) | (int64_t{1230493} << 24));
}

TEST(GlobalTid, HardwareExample) {
  const int64_t g = 72057700439031808;  // a globalPid: thread bits zero
  EXPECT_EQ(HwOf(g), 1);
  EXPECT_EQ(VmOf(g), 0);
  EXPECT_EQ(PidOf(g), 6342);
  EXPECT_EQ(TidOf(g), 0);
  EXPECT_EQ(ProcessKey(g), g);
}

TEST(GlobalTid, PlainPidTid) {
  const int64_t g = (int64_t{4242} << 24) | 4243;
  EXPECT_EQ(PidOf(g), 4242);
  EXPECT_EQ(TidOf(g), 4243);
  EXPECT_EQ(VmOf(g), 0);
  EXPECT_EQ(HwOf(g), 0);
  EXPECT_EQ(ProcessKey(g), int64_t{4242} << 24);
}

TEST(GlobalTid, ZeroAndMaxFields) {
  EXPECT_EQ(PidOf(0), 0);
  EXPECT_EQ(TidOf(0), 0);
  EXPECT_EQ(ProcessKey(0), 0);
  const int64_t all = -1;  // every bit set, including the sign bit
  EXPECT_EQ(HwOf(all), 0xFF);
  EXPECT_EQ(VmOf(all), 0xFF);
  EXPECT_EQ(PidOf(all), 0xFFFFFF);
  EXPECT_EQ(TidOf(all), 0xFFFFFF);
  EXPECT_EQ(ProcessKey(all), ~int64_t{0xFFFFFF});
}

TEST(GlobalTid, FieldsRoundTrip) {
  for (int64_t hw : {0, 1, 0x7F, 0xFF})
    for (int64_t vm : {0, 1, 0xFF})
      for (int64_t pid : {0, 1, 6342, 0xFFFFFF})
        for (int64_t tid : {0, 7, 0xFFFFFF}) {
          uint64_t u = (uint64_t(hw) << 56) | (uint64_t(vm) << 48) |
                       (uint64_t(pid) << 24) | uint64_t(tid);
          int64_t g = int64_t(u);
          EXPECT_EQ(HwOf(g), hw);
          EXPECT_EQ(VmOf(g), vm);
          EXPECT_EQ(PidOf(g), pid);
          EXPECT_EQ(TidOf(g), tid);
          EXPECT_EQ(ProcessKey(g), int64_t(u & ~uint64_t{0xFFFFFF}));
          // Two threads of one process share the key.
          EXPECT_EQ(ProcessKey(g), ProcessKey(int64_t(u ^ 1)));
        }
}

}  // namespace
}  // namespace nsysexplain::core
