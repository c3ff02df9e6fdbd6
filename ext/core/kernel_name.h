// Kernel base names (docs/SEMANTICS.md, "Kernel base names"): the readable
// name tables show, like `nsys stats --report cuda_gpu_kern_sum:base`.
#pragma once
#include <string>
#include <string_view>

namespace nsysexplain::core {

// The base of a demangled C++ kernel name: the return type, the template
// arguments and the parameter list removed, namespaces kept:
//   "void flash::flash_fwd_kernel<Flash_fwd_kernel_traits<...>, true>(Flash_fwd_params)"
//     -> "flash::flash_fwd_kernel"
// Name components that only look like templates or parameter lists stay:
// anonymous namespaces (`<unnamed>`, `(anonymous namespace)`,
// `{anonymous}`), lambdas (`<lambda(int)>`, `[lambda() (instance 1)]`,
// `{lambda(int)#1}`) and operator names (`operator()`, `operator<<`,
// `operator new[]`, `operator bool`). A name that is not demangled (`_Z...`)
// or has nothing left to cut (a C name, unbalanced brackets) is returned
// unchanged.
std::string KernelBaseName(std::string_view demangled);

}  // namespace nsysexplain::core
