// Progress of the big-table loads (ext/table_load.cc) for whoever listens:
// nsys-explain-render's progress line on a terminal. Thread-safe. Nothing is
// counted unless someone listens: the loader asks Listening() once per load
// and, when nobody does, touches nothing here.
//
//   core::LoadProgress::Listen(true);               // listener, once
//   auto items = core::LoadProgress::Snapshot();    // any thread, any time
//
// Progress is in rowids: a table's total is the rowid span of the parts it
// is read in; a part counts the rows it has read (every kTick rows) and,
// when it ends, its whole span (a scan that skips rows, or a sparse rowid
// range, never reads the span row by row).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace nsysexplain::core {

class LoadProgress {
 public:
  struct Table {
    std::string name;
    std::vector<uint64_t> spans;                     // rowids of each part
    std::unique_ptr<std::atomic<uint64_t>[]> done;   // rows read, per part
    std::atomic<bool> finished{false};               // read and merged
    std::atomic<uint64_t>* part(size_t p) { return &done[p]; }
    void EndPart(size_t p) { done[p].store(spans[p], std::memory_order_relaxed); }
  };
  struct Item {
    std::string name;
    uint64_t done, total;
    bool finished;
  };
  // Rows a scan reads between two updates of its table's counter.
  static constexpr uint64_t kTick = 16384;

  static void Listen(bool on) { Get().listening_.store(on, std::memory_order_relaxed); }
  static bool Listening() { return Get().listening_.load(std::memory_order_relaxed); }

  // Loader side: a new load (forgets the tables of the previous one), and a
  // table of it (shared with the scans that count into it).
  static void BeginLoad() {
    std::lock_guard<std::mutex> lk(Get().mu_);
    Get().tables_.clear();
  }
  static std::shared_ptr<Table> AddTable(std::string name, std::vector<uint64_t> spans) {
    auto t = std::make_shared<Table>();
    t->name = std::move(name);
    t->done.reset(new std::atomic<uint64_t>[spans.size()]);
    for (size_t p = 0; p < spans.size(); ++p) t->done[p].store(0);
    t->spans = std::move(spans);
    std::lock_guard<std::mutex> lk(Get().mu_);
    Get().tables_.push_back(t);
    return t;
  }

  // Listener side: the tables of the current (or last) load.
  static std::vector<Item> Snapshot() {
    std::lock_guard<std::mutex> lk(Get().mu_);
    std::vector<Item> out;
    for (const auto& t : Get().tables_) {
      Item it{t->name, 0, 0, t->finished.load()};
      for (size_t p = 0; p < t->spans.size(); ++p) {
        it.done += std::min(t->done[p].load(std::memory_order_relaxed), t->spans[p]);
        it.total += t->spans[p];
      }
      out.push_back(std::move(it));
    }
    return out;
  }

 private:
  static LoadProgress& Get() {
    static LoadProgress p;
    return p;
  }
  std::atomic<bool> listening_{false};
  std::mutex mu_;
  std::vector<std::shared_ptr<Table>> tables_;
};

// The counter the scans of this thread count into (nullptr: nobody
// listens). Set by the loader around one part's scan (ProgressScope). Kept
// in a map keyed by thread id, not in a thread_local: TLS in a dlopen'ed
// module trips LeakSanitizer's thread scan (see interval_gaps_vtab.cc).
struct ScanProgressThreads {
  std::mutex mu;
  std::unordered_map<std::thread::id, std::atomic<uint64_t>*> counters;
  static ScanProgressThreads& Get() {
    static ScanProgressThreads t;
    return t;
  }
};
inline std::atomic<uint64_t>* CurrentScanProgress() {
  ScanProgressThreads& t = ScanProgressThreads::Get();
  std::lock_guard<std::mutex> lk(t.mu);
  auto it = t.counters.find(std::this_thread::get_id());
  return it == t.counters.end() ? nullptr : it->second;
}

class ProgressScope {
 public:
  explicit ProgressScope(std::atomic<uint64_t>* counter) : prev_(CurrentScanProgress()) {
    Set(counter);
  }
  ~ProgressScope() { Set(prev_); }
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;

 private:
  static void Set(std::atomic<uint64_t>* c) {
    ScanProgressThreads& t = ScanProgressThreads::Get();
    std::lock_guard<std::mutex> lk(t.mu);
    if (c) t.counters[std::this_thread::get_id()] = c;
    else t.counters.erase(std::this_thread::get_id());
  }
  std::atomic<uint64_t>* prev_;
};

}  // namespace nsysexplain::core
