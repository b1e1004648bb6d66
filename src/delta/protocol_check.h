// Which tables we may read and write (PROTOCOL.md "Table Features", "Reader
// Version Requirements", "Writer Version Requirements"). A table that needs
// something we do not implement is refused with Unsupported naming it, never
// read or written wrongly.
#pragma once

#include "common/status.h"
#include "delta/actions.h"

namespace rp::delta {

// Reader versions 1-3. Version 2 (and the columnMapping reader feature) is
// accepted only while delta.columnMapping.mode is absent or "none". At
// version 3 every readerFeature must be one we honour: timestampNtz and
// vacuumProtocolCheck (nothing to do for readers), columnMapping (mode none),
// deletionVectors (scans drop the deleted rows). v2Checkpoint,
// catalogManaged, typeWidening, variantType and unknown features are refused.
Status CheckReadSupported(const Protocol& protocol, const Metadata& metadata);

// Everything CheckReadSupported requires, plus writer versions up to 7 whose
// requirements we meet for blind appends: appendOnly, changeDataFeed (appends
// need no cdc files), timestampNtz, vacuumProtocolCheck, deletionVectors (we
// write none and keep those there, see protocol_check.cc); invariants,
// checkConstraints, generatedColumns, identityColumns and allowColumnDefaults
// only while not in use by the schema/configuration. Features that ask every
// writer for more (rowTracking, domainMetadata, inCommitTimestamp, clustering,
// icebergCompat*, …) and unknown ones are refused, as is
// delta.checkpoint.writeStatsAsStruct=true (we write JSON stats only).
Status CheckWriteSupported(const Protocol& protocol, const Metadata& metadata);

}  // namespace rp::delta
