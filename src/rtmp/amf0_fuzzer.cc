// Fuzzes the AMF0 decoder on command and data message bodies. What decodes
// must encode to bytes that decode and encode to the same bytes again.
// Seeds: the commands and metadata of a real ffmpeg push (corpus amf0/).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/amf0.h"

using namespace livesnap::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<std::vector<amf0::Value>> values = amf0::DecodeAll(std::span(data, size));
  if (!values.ok()) return 0;
  std::vector<uint8_t> encoded;
  for (const amf0::Value& value : *values) amf0::Encode(value, encoded);
  absl::StatusOr<std::vector<amf0::Value>> again = amf0::DecodeAll(encoded);
  if (!again.ok() || again->size() != values->size()) std::abort();
  std::vector<uint8_t> reencoded;
  for (const amf0::Value& value : *again) amf0::Encode(value, reencoded);
  if (reencoded != encoded) std::abort();
  return 0;
}
