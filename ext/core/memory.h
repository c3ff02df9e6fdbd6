// Memory operations (CUPTI_ACTIVITY_KIND_MEMCPY / _MEMSET): copy direction
// and memory kind from the raw enum values (docs/SEMANTICS.md, "Memory
// copies"). Pure: the caller passes the ENUM_CUDA_MEMCPY_OPER /
// ENUM_CUDA_MEM_KIND symbol of a value when the export has those tables.
#pragma once
#include <cstdint>
#include <string_view>

namespace nsysexplain::core {

enum class CopyDirection : uint8_t {
  kUnknown,
  kH2D,    // HtoD, HtoA
  kD2H,    // DtoH, AtoH
  kD2D,    // DtoD, AtoA, AtoD, DtoA on one device
  kP2P,    // PtoP, or a device copy between two different devices
  kH2H,    // HtoH
  kUmH2D,  // unified-memory migrations (copyKind 11..13)
  kUmD2H,
  kUmD2D,
};
constexpr int kCopyDirections = 9;
const char* CopyDirectionName(CopyDirection d);  // "h2d", "um_h2d", ...
bool IsUnifiedMigration(CopyDirection d);

// `copy_kind` as exported; `symbol` is its ENUM_CUDA_MEMCPY_OPER name
// ("CUDA_MEMCPY_KIND_HTOD"), empty when the table or the row is absent (the
// documented constants are used then). A device-to-device copy whose source
// and destination devices are both known (>= 0) and differ is peer-to-peer.
CopyDirection ClassifyCopy(int64_t copy_kind, std::string_view symbol,
                           int64_t src_device, int64_t dst_device);

// Memory kind of srcKind/dstKind/memKind: the ENUM_CUDA_MEM_KIND symbol
// ("CUDA_MEMOPR_MEMORY_KIND_PAGEABLE") when known, else the documented
// constants (0 pageable, 1 pinned, 2 device, 3 array, 4 managed,
// 5 device static, 6 managed static, 7 unknown).
enum class MemKind : uint8_t {
  kPageable, kPinned, kDevice, kArray, kManaged, kDeviceStatic, kManagedStatic, kUnknown
};
MemKind ClassifyMemKind(int64_t kind, std::string_view symbol);
const char* MemKindName(MemKind k);  // "pageable", "pinned", ...

}  // namespace nsysexplain::core
