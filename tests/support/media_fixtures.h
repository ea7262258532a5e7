// File: tests/support/media_fixtures.h
//
// Test media made at test time with the real ffmpeg CLI (never committed):
// lavfi test patterns encoded to FLV, their frame counts from ffprobe, and
// the ffmpeg command line that pushes one to an RTMP URL.
//
//   ClipSpec spec; spec.seconds = 4; spec.gop_frames = 25;
//   auto clip = MakeFlvClip(dir.path(), "clip", spec);
//   Subprocess push(PushCommand(clip, "rtmp://127.0.0.1:1935/live/s1", true), log);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace livesnap::testing {

struct ClipSpec {
  int seconds = 4;
  int width = 640;
  int height = 360;
  int fps = 25;
  int gop_frames = 25;  // keyframe every gop_frames frames, exactly
  bool audio = true;
  std::string video_source = "testsrc2";  // a lavfi source, or a full lavfi graph
  // More output options after the built-in libx264 ones, which they
  // override, e.g. {"-x264-params", "slices=4"} or {"-tune", "zerolatency"}.
  std::vector<std::string> video_args;
};

// Encodes an H.264 (+AAC) FLV clip under `dir`; aborts the test on failure.
std::filesystem::path MakeFlvClip(const std::filesystem::path& dir, const std::string& name,
                                  const ClipSpec& spec);

struct VideoCounts {
  int frames = 0;
  int keyframes = 0;
};
// Counts the video packets and keyframes of a file with ffprobe.
VideoCounts ProbeVideo(const std::filesystem::path& file);

// `ffmpeg [-re] -i FILE -c copy -f flv URL`.
std::vector<std::string> PushCommand(const std::filesystem::path& file, const std::string& url,
                                     bool realtime);

// ffmpeg encoding `seconds` of a 320x180 25 fps picture that tells the second
// (grey level 16 + 3 * second) with `codec` (libx264 or libx265), a keyframe
// every 2 s, pushed in real time as MPEG-TS to `url` (an srt:// URL).
std::vector<std::string> SecondsClipTsPushCommand(const std::string& codec, const std::string& url,
                                                  int seconds);

}  // namespace livesnap::testing
