// Minimal SHA-256 (FIPS 180-4) for the synth suite's "file unchanged" checks.
#pragma once
#include <string>

namespace nsysexplain::synth_test {

// Lower-case hex digest of `data`.
std::string Sha256Hex(const std::string& data);

}  // namespace nsysexplain::synth_test
