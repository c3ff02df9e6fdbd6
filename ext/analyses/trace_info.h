// Facts about the trace: export metadata and versions, the schema probe and
// the data-quality counters of the loaders. Views: sql/trace_info.sql.
#pragma once

namespace nsysexplain {}  // datasets only (trace_info.cc)
