// An allocator for big columns: blocks of 1 MiB or more are mapped straight
// from the kernel (mmap) and unmapped when freed, so the memory goes back to
// the system at once. glibc's malloc would serve such blocks from a thread's
// heap once its dynamic mmap threshold has grown, and keep them after free:
// columns built on loader threads and merged on another would then count
// twice in the peak resident size. Smaller blocks use operator new.
#pragma once
#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <vector>

namespace nsysexplain::core {

template <typename T>
struct PageAllocator {
  using value_type = T;
  static constexpr size_t kMapFrom = size_t{1} << 20;

  PageAllocator() noexcept = default;
  template <typename U>
  PageAllocator(const PageAllocator<U>&) noexcept {}  // NOLINT: rebind

  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    size_t bytes = n * sizeof(T);
    if (bytes < kMapFrom) return static_cast<T*>(::operator new(bytes));
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    size_t bytes = n * sizeof(T);
    if (bytes < kMapFrom)
      ::operator delete(p);
    else
      munmap(p, bytes);
  }
  template <typename U>
  bool operator==(const PageAllocator<U>&) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const PageAllocator<U>&) const noexcept {
    return false;
  }
};

// A column of a big table.
template <typename T>
using Column = std::vector<T, PageAllocator<T>>;

}  // namespace nsysexplain::core
