#include "memory.h"

#include <array>

namespace nsysexplain::core {
namespace {

// The part of an enum symbol after its last "KIND_" ("UVM_HTOD", "PAGEABLE").
std::string_view Token(std::string_view symbol) {
  size_t at = symbol.rfind("KIND_");
  return at == std::string_view::npos ? symbol : symbol.substr(at + 5);
}

}  // namespace

const char* CopyDirectionName(CopyDirection d) {
  switch (d) {
    case CopyDirection::kH2D: return "h2d";
    case CopyDirection::kD2H: return "d2h";
    case CopyDirection::kD2D: return "d2d";
    case CopyDirection::kP2P: return "p2p";
    case CopyDirection::kH2H: return "h2h";
    case CopyDirection::kUmH2D: return "um_h2d";
    case CopyDirection::kUmD2H: return "um_d2h";
    case CopyDirection::kUmD2D: return "um_d2d";
    case CopyDirection::kUnknown: break;
  }
  return "unknown";
}

bool IsUnifiedMigration(CopyDirection d) {
  return d == CopyDirection::kUmH2D || d == CopyDirection::kUmD2H ||
         d == CopyDirection::kUmD2D;
}

CopyDirection ClassifyCopy(int64_t copy_kind, std::string_view symbol,
                           int64_t src_device, int64_t dst_device) {
  using D = CopyDirection;
  // Index = documented copyKind value (ENUM_CUDA_MEMCPY_OPER).
  static constexpr std::array<std::string_view, 14> kTokens = {
      "UNKNOWN", "HTOD", "DTOH", "HTOA", "ATOH", "ATOA", "ATOD",
      "DTOA",    "DTOD", "HTOH", "PTOP", "UVM_HTOD", "UVM_DTOH", "UVM_DTOD"};
  static constexpr std::array<D, 14> kDirs = {
      D::kUnknown, D::kH2D, D::kD2H, D::kH2D, D::kD2H, D::kD2D, D::kD2D,
      D::kD2D,     D::kD2D, D::kH2H, D::kP2P, D::kUmH2D, D::kUmD2H, D::kUmD2D};
  D d = D::kUnknown;
  if (!symbol.empty()) {
    std::string_view t = Token(symbol);
    for (size_t i = 0; i < kTokens.size(); ++i)
      if (t == kTokens[i]) d = kDirs[i];
  } else if (copy_kind >= 0 && copy_kind < static_cast<int64_t>(kDirs.size())) {
    d = kDirs[static_cast<size_t>(copy_kind)];
  }
  if (d == D::kD2D && src_device >= 0 && dst_device >= 0 && src_device != dst_device)
    d = D::kP2P;
  return d;
}

MemKind ClassifyMemKind(int64_t kind, std::string_view symbol) {
  static constexpr std::array<std::string_view, 8> kTokens = {
      "PAGEABLE", "PINNED", "DEVICE", "ARRAY", "MANAGED", "DEVICE_STATIC",
      "MANAGED_STATIC", "UNKNOWN"};
  if (!symbol.empty()) {
    std::string_view t = Token(symbol);
    for (size_t i = 0; i < kTokens.size(); ++i)
      if (t == kTokens[i]) return static_cast<MemKind>(i);
    return MemKind::kUnknown;
  }
  if (kind >= 0 && kind < static_cast<int64_t>(kTokens.size()))
    return static_cast<MemKind>(kind);
  return MemKind::kUnknown;
}

const char* MemKindName(MemKind k) {
  switch (k) {
    case MemKind::kPageable: return "pageable";
    case MemKind::kPinned: return "pinned";
    case MemKind::kDevice: return "device";
    case MemKind::kArray: return "array";
    case MemKind::kManaged: return "managed";
    case MemKind::kDeviceStatic: return "device_static";
    case MemKind::kManagedStatic: return "managed_static";
    case MemKind::kUnknown: break;
  }
  return "unknown";
}

}  // namespace nsysexplain::core
