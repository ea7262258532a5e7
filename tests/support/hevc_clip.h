// File: tests/support/hevc_clip.h
//
// A real libx265 encode, cut into what an RTMP publisher sends: the
// HEVCDecoderConfigurationRecord (hvcC) and each access unit as
// length-prefixed NAL units with its decode time, composition offset and
// keyframe flag. ffmpeg 5.1 cannot mux HEVC into FLV, so the clip is
// encoded to MP4 with the ffmpeg CLI and read back with ffprobe (packet
// positions, sizes, times, flags) and the file's hvcC box.
//
//   HevcClipSpec spec;  spec.seconds = 2;
//   HevcClip clip = MakeHevcClip(dir.path(), spec);
//   publisher.SendTag(kVideo, 0, EnhancedSequenceStart(clip.record), out);
//
// Thread-safety: pure functions (they run ffmpeg and ffprobe).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace livesnap::testing {

struct HevcClipSpec {
  int seconds = 2;
  int width = 640;
  int height = 360;
  int fps = 25;
  int gop_frames = 25;   // an IDR every gop_frames frames, exactly
  bool b_frames = true;  // B-frames give composition offsets
};

struct HevcFrame {
  int64_t dts_ms = 0;                 // from 0 at the first frame
  int32_t composition_offset_ms = 0;  // pts - dts
  bool keyframe = false;              // ffprobe's K flag (an IDR here)
  std::vector<uint8_t> data;          // 4-byte length-prefixed NAL units
};

struct HevcClip {
  std::vector<uint8_t> record;    // HEVCDecoderConfigurationRecord
  std::vector<HevcFrame> frames;  // in decode order
  int keyframes = 0;
};

// Encodes and reads the clip under `dir`; aborts the test binary on failure.
HevcClip MakeHevcClip(const std::filesystem::path& dir, const HevcClipSpec& spec);

}  // namespace livesnap::testing
