// nsys-explain-synth: the non-event tables (META_DATA_*, TARGET_INFO_*,
// PROCESSES, ThreadNames, ANALYSIS_DETAILS), modelled on a 2026.2 export.
#ifndef NSYSEXPLAIN_TOOLS_SYNTH_METADATA_H_
#define NSYSEXPLAIN_TOOLS_SYNTH_METADATA_H_

#include "catalog.h"
#include "simulator.h"
#include "writer.h"

namespace nsysexplain::synth {

inline constexpr char kGeneratorVersion[] = "0.1.0";
inline constexpr char kExportProductVersion[] =
    "2026.2.1.210 (nsys-explain-synth)";

// Adds the thread names to the catalog; call before Writer::WriteStrings.
void InternMetadataStrings(Catalog& catalog, int processes);

// Writes the metadata tables once the simulation has run.
void WriteMetadata(Writer& w, const Catalog& catalog, const SimOptions& opt,
                   const Simulator& sim);

}  // namespace nsysexplain::synth

#endif  // NSYSEXPLAIN_TOOLS_SYNTH_METADATA_H_
