// NVTX_EVENTS: one rowid range at a time (LoadNvtxPart), the split into
// and the merge of the parts in rowid order.
#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

#include "core/global_tid.h"
#include "core/nvtx_attribution.h"
#include "core/saturating.h"
#include "loaders.h"
#include "scan.h"

namespace nsysexplain {

// ------------------------------------------------------------- NVTX

namespace {

struct LabelKey {
  int64_t process_key, raw_domain;
  uint32_t name;
  uint8_t type;
  bool operator==(const LabelKey& o) const {
    return process_key == o.process_key && raw_domain == o.raw_domain &&
           name == o.name && type == o.type;
  }
};

struct LabelKeyHash {
  size_t operator()(const LabelKey& k) const {
    uint64_t h = static_cast<uint64_t>(k.process_key) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<uint64_t>(k.raw_domain) * 0xBF58476D1CE4E5B9ull;
    h ^= (static_cast<uint64_t>(k.name) << 8 | k.type) * 0x94D049BB133111EBull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

// (process, domainId, name, type) -> label index of `n`, added if new.
class LabelIndex {
 public:
  uint32_t Get(core::NvtxRanges& n, const LabelKey& key) {
    Slot& c = cache_[(key.name * 0x9E3779B1u ^ key.type) >> 24];
    if (c.used && c.key == key) return c.label;
    auto [it, added] =
        index_.try_emplace(key, static_cast<uint32_t>(n.labels.size()));
    if (added)
      n.labels.push_back(
          {key.process_key, key.raw_domain, key.name, 0, key.type});
    c = {key, it->second, true};
    return it->second;
  }

 private:
  struct Slot {
    LabelKey key{};
    uint32_t label = 0;
    bool used = false;
  };
  std::unordered_map<LabelKey, uint32_t, LabelKeyHash> index_;
  std::array<Slot, 256> cache_{};
};

// (key, process-scoped?) -> scope index of `n`, added if new. The last scope
// is remembered: consecutive rows mostly come from the same thread.
class ScopeIndex {
 public:
  uint32_t Get(core::NvtxRanges& n, int64_t key, bool process) {
    if (last_ != UINT32_MAX && key == last_key_ && process == last_process_)
      return last_;
    auto [it, added] = index_.try_emplace({key, process ? 1 : 0},
                                          static_cast<uint32_t>(n.scopes.size()));
    if (added) n.scopes.push_back({key, process});
    last_ = it->second;
    last_key_ = key;
    last_process_ = process;
    return last_;
  }

 private:
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> index_;
  int64_t last_key_ = 0;
  bool last_process_ = false;
  uint32_t last_ = UINT32_MAX;
};

}  // namespace

void LoadNvtxPart(sqlite3* db, bool is_private, const Schema& s,
                  const RowidRange& rowids, NvtxPart& part) {
  const std::string& t = s.nvtx_table;
  if (!s.Has(t) || !s.HasColumn(t, "start") || !s.HasColumn(t, "eventType"))
    return;
  core::NvtxRanges& n = part.ranges;
  LoaderStrings& str = part.str;
  // Columns are read raw (NULLs are handled here, which is cheaper than
  // ifnull() in SQL); start/end NULL or non-numeric make a row invalid.
  Select q(s, t);
  const int c_rowid = q.Rowid(), c_start = q.Col("start"), c_end = q.ColOrNull("end"),
            c_type = q.Col("eventType"), c_tid = q.ColOrNull("globalTid"),
            c_end_tid = q.ColOrNull("endGlobalTid"), c_text_id = q.ColOrNull("textId"),
            c_text = q.ColOrNull("text"), c_domain = q.ColOrNull("domainId");
  size_t hint = RestrictToRange(q, rowids, db, is_private, s, t);
  n.Reserve(hint);
  ScopeIndex scopes;
  LabelIndex labels;
  uint32_t unnamed = str.Local("<unnamed>");
  Scan(db, is_private, q, [&](const Row& row) {
    int64_t type = row.IntOr(c_type, -1);
    if (type != 59 && type != 60 && type != 70 && type != 71 && type != 75) {
      ++n.non_range_rows;  // marks, thread/category names, ...
      return;
    }
    int64_t gtid = row.IntOr(c_tid, 0);
    int64_t text_id = row.IntOr(c_text_id, -1);
    // Name = coalesce(StringIds[textId], text) (docs/SEMANTICS.md).
    uint32_t name;
    if (text_id != -1 && str.Lookup(text_id, &name)) {
      // StringIds[textId]
    } else if (row.Type(c_text) == SQLITE_TEXT) {
      name = str.Local(row.Text(c_text));
    } else if (text_id != -1) {
      name = str.Local("<unresolved text id " + std::to_string(text_id) + ">");
    } else {
      name = unnamed;
    }
    int64_t pkey = core::ProcessKey(gtid);
    int64_t raw_domain = row.IntOr(c_domain, 0);
    if (type == 75) {
      part.domains[{pkey, raw_domain}] = name;
      ++n.non_range_rows;
      return;
    }
    bool open = row.Type(c_end) == SQLITE_NULL;
    int64_t b, e = core::kOpenEnd;
    if (!ReadTimestamp(row.v[c_start], &b) ||
        (!open && (!ReadTimestamp(row.v[c_end], &e) || e < b ||
                   !core::DurationFits(b, e)))) {
      ++n.invalid_rows;
      return;
    }
    int64_t end_tid = row.IntOr(c_end_tid, -1);
    bool cross = (type == 60 || type == 71) && end_tid != -1 && end_tid != gtid;
    n.scope.push_back(scopes.Get(n, cross ? pkey : gtid, cross));
    n.label.push_back(labels.Get(
        n, {pkey, raw_domain, name, static_cast<uint8_t>(type)}));
    n.rowid.push_back(row.IntOr(c_rowid, -1));
    n.start.push_back(b);
    n.end.push_back(open ? core::kOpenEnd : e);
    n.open_rows += n.end.back() == core::kOpenEnd;  // as Open(i)
    n.cross_thread_rows += cross;
  });
}

void MergeNvtxParts(std::vector<NvtxPart>& parts, core::StringTable& strings,
                    core::NvtxRanges& out) {
  size_t total = 0;
  for (const NvtxPart& p : parts) total += p.ranges.size();
  out.Reserve(total);
  ScopeIndex scopes;
  LabelIndex labels;
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> domains;
  for (NvtxPart& p : parts) {
    core::NvtxRanges& n = p.ranges;
    std::vector<uint32_t> smap = MergeStrings(p.str, strings);
    // A later domain-name row wins, as in one scan in rowid order.
    for (auto& [key, name] : p.domains) {
      uint32_t id = name;
      RemapId(id, smap);
      domains[key] = id;
    }
    std::vector<uint32_t> scope_map(n.scopes.size()), label_map(n.labels.size());
    for (size_t i = 0; i < n.scopes.size(); ++i)
      scope_map[i] = scopes.Get(out, n.scopes[i].key, n.scopes[i].process);
    for (size_t i = 0; i < n.labels.size(); ++i) {
      const core::NvtxRanges::Label& L = n.labels[i];
      uint32_t name = L.name;
      RemapId(name, smap);
      label_map[i] =
          labels.Get(out, {L.process_key, L.raw_domain, name, L.event_type});
    }
    out.start.insert(out.start.end(), n.start.begin(), n.start.end());
    core::Column<int64_t>().swap(n.start);
    out.end.insert(out.end.end(), n.end.begin(), n.end.end());
    core::Column<int64_t>().swap(n.end);
    for (uint32_t sc : n.scope) out.scope.push_back(scope_map[sc]);
    core::Column<uint32_t>().swap(n.scope);
    for (uint32_t l : n.label) out.label.push_back(label_map[l]);
    core::Column<uint32_t>().swap(n.label);
    out.rowid.append(n.rowid);
    n.rowid = core::RowidColumn();
    out.invalid_rows += n.invalid_rows;
    out.non_range_rows += n.non_range_rows;
    out.open_rows += n.open_rows;
    out.cross_thread_rows += n.cross_thread_rows;
  }
  // Undeclared non-default domains (e.g. a capture window cut after the
  // domain was created) stay distinct from the default domain.
  for (auto& L : out.labels) {
    auto it = domains.find({L.process_key, L.raw_domain});
    if (it != domains.end())
      L.domain = it->second;
    else if (L.raw_domain == 0)
      L.domain = strings.Intern("");
    else
      L.domain = strings.Intern("<domain " + std::to_string(L.raw_domain) + ">");
  }
}

}  // namespace nsysexplain
