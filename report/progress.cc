#include "progress.h"

#include <unistd.h>

#include <fmt/format.h>

#include "core/progress.h"
#include "report.h"

namespace nsysexplain::render {

ProgressLine::ProgressLine(bool enabled)
    : enabled_(enabled), t0_(std::chrono::steady_clock::now()), phase_("starting") {
  if (!enabled_) return;
  core::LoadProgress::Listen(true);
  thread_ = std::thread([this] { Run(); });
}

ProgressLine::~ProgressLine() {
  if (!enabled_) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Print("", false);  // clear the line (an error message may follow)
  core::LoadProgress::Listen(false);
}

void ProgressLine::Phase(const std::string& what) {
  if (!enabled_) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    phase_ = what;
    changed_ = true;
  }
  cv_.notify_all();
}

void ProgressLine::Done() {
  if (!enabled_) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  Print(Format("", s, true), true);
  core::LoadProgress::Listen(false);
  enabled_ = false;
}

std::string ProgressLine::Format(const std::string& phase, double seconds, bool done) {
  std::string tables;
  bool reading = false;
  for (const core::LoadProgress::Item& t : core::LoadProgress::Snapshot()) {
    if (done) {
      tables += (tables.empty() ? "" : ", ") + t.name;
      continue;
    }
    if (t.finished) continue;
    reading = true;
    double pct = t.total ? 100.0 * static_cast<double>(t.done) / static_cast<double>(t.total)
                         : 0.0;
    tables += fmt::format("{}{} {:.0f}%", tables.empty() ? "" : ", ", t.name, pct);
  }
  if (done)
    return fmt::format("{}: {}report in {:.2f} s", kToolName,
                       tables.empty() ? "" : "read " + tables + "; ", seconds);
  return fmt::format("{}: {} ({:.1f} s)", kToolName,
                     reading ? "reading " + tables : phase, seconds);
}

void ProgressLine::Run() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    std::string phase = phase_;
    changed_ = false;
    lk.unlock();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    Print(Format(phase, s, false), false);
    lk.lock();
    cv_.wait_for(lk, std::chrono::milliseconds(200), [&] { return stop_ || changed_; });
  }
}

// "\r" + erase line + text; a newline after the last line only.
void ProgressLine::Print(const std::string& line, bool final) {
  std::string out = "\r\033[K" + line + (final ? "\n" : "");
  ssize_t ignored = ::write(STDERR_FILENO, out.data(), out.size());
  (void)ignored;
}

}  // namespace nsysexplain::render
