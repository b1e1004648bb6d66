// Z85, ZeroMQ's base-85 encoding (rfc.zeromq.org/spec/32), which Delta uses
// for deletion vectors: the UUID of a DV file and inline DV bytes
// (PROTOCOL.md "Deletion Vector Descriptor Schema").
//
// Written here rather than taken from a package: the only packaged C
// implementation is libzmq's zmq_z85_decode, which would bring a messaging
// library into the Delta layer for twenty lines, and which takes a
// NUL-terminated string and writes into a buffer whose size it assumes, where
// log text is untrusted and needs a bounded, checked decoder.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace rp::delta {

// Decodes Z85 text: every 5 characters give 4 bytes (big-endian base 85).
// Corruption for a length that is not a multiple of 5, a character outside
// the alphabet, or a group whose value exceeds 32 bits.
Result<std::string> Z85Decode(std::string_view text);

// Encodes bytes whose length is a multiple of 4 (callers pad, as Delta does);
// InvalidArgument otherwise.
Result<std::string> Z85Encode(std::string_view bytes);

}  // namespace rp::delta
