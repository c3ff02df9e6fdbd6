// Minimal SHA-256 (FIPS 180-4) shared by the test suites' "trace unchanged"
// checks (tests/common, library nsysexplain_test_common).
#pragma once
#include <string>

namespace nsysexplain::test_common {

// Lower-case hex digest of `data`.
std::string Sha256Hex(const std::string& data);

}  // namespace nsysexplain::test_common
