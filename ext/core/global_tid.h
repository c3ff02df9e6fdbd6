// Decoding of nsys serialized thread/process ids (globalTid / globalPid).
//
//  bit 63......56 55......48 47..............24 23..............0
//  [ hardware:8  ][  VM:8   ][  process id:24  ][  thread id:24   ]
//
// globalPid is the same layout with the thread bits zero. Process *keys*
// (used for joins) keep hardware, VM and PID bits together so that two hosts
// or VMs with the same OS pid never collide.
#pragma once
#include <cstdint>

namespace nsysexplain::core {

inline int64_t PidOf(int64_t g) {
  return static_cast<int64_t>((static_cast<uint64_t>(g) >> 24) & 0xFFFFFFu);
}
inline int64_t TidOf(int64_t g) {
  return static_cast<int64_t>(static_cast<uint64_t>(g) & 0xFFFFFFu);
}
inline int64_t VmOf(int64_t g) {
  return static_cast<int64_t>((static_cast<uint64_t>(g) >> 48) & 0xFFu);
}
inline int64_t HwOf(int64_t g) {
  return static_cast<int64_t>((static_cast<uint64_t>(g) >> 56) & 0xFFu);
}
// globalTid or globalPid -> process key (thread bits cleared).
inline int64_t ProcessKey(int64_t g) {
  return static_cast<int64_t>(static_cast<uint64_t>(g) &
                              ~static_cast<uint64_t>(0xFFFFFFu));
}

}  // namespace nsysexplain::core
