// A column of SQLite rowids, stored as runs of consecutive values.
//
// A table read in rowid order yields rowids that mostly go up by one (the
// rows we skip, such as NVTX marks, break the runs), so a run-length column
// takes a few bytes per run instead of 8 bytes per row: 15M NVTX ranges cost
// kilobytes instead of 120 MB. When the values do not form runs (fewer than
// 4 rows per run on average once past 1024 rows), the column turns itself into
// a plain array, so it never costs much more than one.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nsysexplain::core {

class RowidColumn {
 public:
  void push_back(int64_t v) {
    if (dense_mode_) {
      dense_.push_back(v);
    } else if (size_ > 0 && Next() == static_cast<uint64_t>(v)) {
      // extends the current run: nothing to store
    } else {
      run_index_.push_back(size_);
      run_rowid_.push_back(v);
      if (run_index_.size() > 256 && run_index_.size() * 4 > size_ + 1)
        ToDense(v);
    }
    ++size_;
  }
  int64_t operator[](size_t i) const {
    if (dense_mode_) return dense_[i];
    size_t k = static_cast<size_t>(
        std::upper_bound(run_index_.begin(), run_index_.end(), i) -
        run_index_.begin() - 1);
    return static_cast<int64_t>(static_cast<uint64_t>(run_rowid_[k]) +
                                (i - run_index_[k]));
  }
  size_t size() const { return size_; }
  bool dense() const { return dense_mode_; }
  size_t runs() const { return run_index_.size(); }
  // Bytes held (for tests and the timing output).
  size_t bytes() const {
    return dense_.capacity() * sizeof(int64_t) +
           run_index_.capacity() * sizeof(size_t) +
           run_rowid_.capacity() * sizeof(int64_t);
  }
  void append(const RowidColumn& other) {
    for (size_t i = 0; i < other.size_;) {
      if (other.dense_mode_ || dense_mode_) {
        push_back(other[i++]);
        continue;
      }
      // Whole runs at a time.
      size_t k = static_cast<size_t>(
          std::upper_bound(other.run_index_.begin(), other.run_index_.end(),
                           i) -
          other.run_index_.begin() - 1);
      size_t end = k + 1 < other.run_index_.size() ? other.run_index_[k + 1]
                                                    : other.size_;
      push_back(other[i++]);
      if (!dense_mode_) {
        size_ += end - i;  // the run continues: nothing to store
        i = end;
      }
    }
  }

 private:
  // The value that would extend the current run (wraps like the rowids).
  uint64_t Next() const {
    return static_cast<uint64_t>(run_rowid_.back()) + (size_ - run_index_.back());
  }
  // `pending` is the value being pushed (already counted as a new run).
  void ToDense(int64_t pending) {
    dense_.reserve(size_ + 1);
    for (size_t k = 0; k < run_index_.size(); ++k) {
      size_t end = k + 1 < run_index_.size() ? run_index_[k + 1] : size_;
      for (size_t i = run_index_[k]; i < end; ++i)
        dense_.push_back(static_cast<int64_t>(
            static_cast<uint64_t>(run_rowid_[k]) + (i - run_index_[k])));
    }
    dense_.push_back(pending);
    std::vector<size_t>().swap(run_index_);
    std::vector<int64_t>().swap(run_rowid_);
    dense_mode_ = true;
  }

  size_t size_ = 0;
  bool dense_mode_ = false;
  std::vector<size_t> run_index_;   // first row of each run
  std::vector<int64_t> run_rowid_;  // its rowid
  std::vector<int64_t> dense_;
};

}  // namespace nsysexplain::core
