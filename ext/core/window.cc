#include "window.h"

namespace nsysexplain::core {

std::vector<uint32_t> RowsInWindow(const Column<int64_t>& start, const Column<int64_t>& end,
                                   TimeWindow w) {
  std::vector<uint32_t> rows;
  for (size_t i = 0; i < start.size(); ++i)
    if (w.Overlaps(start[i], end[i])) rows.push_back(static_cast<uint32_t>(i));
  return rows;
}

namespace {

template <class C>
void Pick(const C& from, const std::vector<uint32_t>& rows, C& out) {
  out.reserve(rows.size());
  for (uint32_t i : rows) out.push_back(from[i]);
}

void PickClipped(const Column<int64_t>& start, const Column<int64_t>& end,
                 const std::vector<uint32_t>& rows, TimeWindow w, Column<int64_t>& out_start,
                 Column<int64_t>& out_end) {
  out_start.reserve(rows.size());
  out_end.reserve(rows.size());
  for (uint32_t i : rows) {
    out_start.push_back(w.ClipStart(start[i]));
    out_end.push_back(w.ClipEnd(end[i]));
  }
}

}  // namespace

Kernels KernelsInWindow(const Kernels& k, const std::vector<uint32_t>& rows, TimeWindow w) {
  Kernels out;
  for (uint32_t i : rows) out.rowid.push_back(k.rowid[i]);
  PickClipped(k.start, k.end, rows, w, out.start, out.end);
  Pick(k.global_pid, rows, out.global_pid);
  Pick(k.correlation_id, rows, out.correlation_id);
  Pick(k.device_id, rows, out.device_id);
  Pick(k.stream_id, rows, out.stream_id);
  Pick(k.name, rows, out.name);
  Pick(k.short_name, rows, out.short_name);
  Pick(k.graph_node, rows, out.graph_node);
  out.invalid_rows = k.invalid_rows;
  out.unresolved_names = k.unresolved_names;
  out.null_correlation = k.null_correlation;
  out.table = k.table;
  return out;
}

MemOps MemOpsInWindow(const MemOps& m, TimeWindow w) {
  std::vector<uint32_t> rows = RowsInWindow(m.start, m.end, w);
  MemOps out;
  PickClipped(m.start, m.end, rows, w, out.start, out.end);
  Pick(m.global_pid, rows, out.global_pid);
  Pick(m.correlation_id, rows, out.correlation_id);
  Pick(m.bytes, rows, out.bytes);
  Pick(m.device_id, rows, out.device_id);
  Pick(m.stream_id, rows, out.stream_id);
  Pick(m.src_device, rows, out.src_device);
  Pick(m.dst_device, rows, out.dst_device);
  Pick(m.copy_kind, rows, out.copy_kind);
  Pick(m.src_kind, rows, out.src_kind);
  Pick(m.dst_kind, rows, out.dst_kind);
  out.invalid_rows = m.invalid_rows;
  out.table = m.table;
  return out;
}

NvtxRanges NvtxInWindow(const NvtxRanges& n, TimeWindow w) {
  std::vector<uint32_t> rows = RowsInWindow(n.start, n.end, w);
  NvtxRanges out;
  for (uint32_t i : rows) out.rowid.push_back(n.rowid[i]);
  Pick(n.start, rows, out.start);
  Pick(n.end, rows, out.end);
  Pick(n.scope, rows, out.scope);
  out.scopes = n.scopes;
  // Only the labels of kept rows (a label is a (process, domain, name, type)
  // group to the analyses), renumbered in first-use order.
  std::vector<uint32_t> label_id(n.labels.size(), UINT32_MAX);
  out.label.reserve(rows.size());
  for (uint32_t i : rows) {
    uint32_t& id = label_id[n.label[i]];
    if (id == UINT32_MAX) {
      id = static_cast<uint32_t>(out.labels.size());
      out.labels.push_back(n.labels[n.label[i]]);
    }
    out.label.push_back(id);
  }
  out.invalid_rows = n.invalid_rows;
  out.non_range_rows = n.non_range_rows;
  out.open_rows = n.open_rows;
  out.cross_thread_rows = n.cross_thread_rows;
  return out;
}

RuntimeCalls RuntimeInWindow(const RuntimeCalls& r, const std::vector<int32_t>& kernel_launch,
                             const std::vector<uint32_t>& kernel_rows, TimeWindow w,
                             std::vector<int32_t>& window_kernel_launch) {
  std::vector<uint8_t> keep(r.size(), 0);
  for (size_t l = 0; l < r.size(); ++l) keep[l] = w.Overlaps(r.start[l], r.end[l]);
  for (uint32_t i : kernel_rows)
    if (kernel_launch[i] >= 0) keep[static_cast<size_t>(kernel_launch[i])] = 1;
  std::vector<uint32_t> rows;
  std::vector<int32_t> new_index(r.size(), -1);
  for (size_t l = 0; l < r.size(); ++l)
    if (keep[l]) {
      new_index[l] = static_cast<int32_t>(rows.size());
      rows.push_back(static_cast<uint32_t>(l));
    }
  RuntimeCalls out;
  for (uint32_t l : rows) out.rowid.push_back(r.rowid[l]);
  Pick(r.start, rows, out.start);
  Pick(r.end, rows, out.end);
  Pick(r.global_tid, rows, out.global_tid);
  Pick(r.correlation_id, rows, out.correlation_id);
  Pick(r.name, rows, out.name);
  out.groups = r.groups;
  out.base_groups = r.base_groups;
  const RuntimeCalls::Markers& m = r.markers;
  std::vector<uint32_t> mrows = RowsInWindow(m.start, m.end, w);
  Pick(m.start, mrows, out.markers.start);
  Pick(m.end, mrows, out.markers.end);
  Pick(m.global_tid, mrows, out.markers.global_tid);
  Pick(m.correlation_id, mrows, out.markers.correlation_id);
  Pick(m.name, mrows, out.markers.name);
  Pick(m.kind, mrows, out.markers.kind);
  out.total_rows = r.total_rows;
  out.skipped_backtrace_rows = r.skipped_backtrace_rows;
  out.invalid_rows = r.invalid_rows;
  out.unresolved_names = r.unresolved_names;
  window_kernel_launch.clear();
  window_kernel_launch.reserve(kernel_rows.size());
  for (uint32_t i : kernel_rows)
    window_kernel_launch.push_back(kernel_launch[i] < 0 ? -1
                                                        : new_index[size_t(kernel_launch[i])]);
  return out;
}

}  // namespace nsysexplain::core
