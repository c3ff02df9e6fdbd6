// --out DIR: checks before the work, and an atomic write afterwards.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace nsysexplain::render {

// (path relative to DIR, contents), e.g. ("tables/kernels.csv", "...").
using OutputFiles = std::vector<std::pair<std::string, std::string>>;

// Fails early (FatalError(dir, ...)) when DIR is an existing non-directory,
// a non-empty directory without `force`, or cannot be created/written.
void PrecheckOutDir(const std::string& dir, bool force);

// Writes every file into DIR.tmp-XXXXXX (next to DIR), then:
//  * DIR missing: renames the temp dir to DIR (one atomic step);
//  * DIR exists (empty, or non-empty with `force`): renames each file into
//    DIR, replacing only those files, and removes the temp dir.
// Missing parent directories are created. On any error everything created
// is removed again and FatalError(dir, ...) is thrown.
void WriteOutDir(const std::string& dir, const OutputFiles& files, bool force);

}  // namespace nsysexplain::render
