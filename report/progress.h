// The progress line of nsys-explain-render: on stderr when it is a terminal
// (and neither --quiet nor --verbose), rewritten in place a few times a
// second: the tables being read with their percent (core::LoadProgress),
// else the current phase, and the elapsed time; a last line when the report
// is done. Disabled, it does nothing at all.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace nsysexplain::render {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled);
  ~ProgressLine();  // stops; clears the line unless Done() printed it
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // What runs now, shown when no table is being read ("opening the trace").
  void Phase(const std::string& what);
  // Stops and prints the last line: the tables read and the total time.
  void Done();

  // The line for a snapshot of the loads, `phase` and `seconds` elapsed
  // (exposed for tests).
  static std::string Format(const std::string& phase, double seconds, bool done);

 private:
  void Run();
  void Print(const std::string& line, bool final);
  bool enabled_;
  std::chrono::steady_clock::time_point t0_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string phase_;
  bool stop_ = false, changed_ = true;
  std::thread thread_;
};

}  // namespace nsysexplain::render
