// File: tests/support/flv_edit.h
//
// Damages an FLV file the way a broken encoder or network would, for tests:
// flips bytes inside the slice data of H.264 keyframes while keeping the
// container, NAL lengths and headers intact, so the damage reaches the
// decoder rather than the parser.
#pragma once

#include <filesystem>

namespace livesnap::testing {

// Copies `in` to `out`, corrupting the second keyframe and every `every`-th
// keyframe after it. Returns how many keyframes were damaged.
int CorruptKeyframes(const std::filesystem::path& in, const std::filesystem::path& out, int every);

}  // namespace livesnap::testing
