// File: tests/support/seconds_clip.h
//
// Test media whose picture tells the second it was shown: a flat grey of
// level 16 + 3 * second (limited range), so a stored JPEG decoded back says
// which keyframe it was taken from. Snapshot tests check capture timing with
// it end to end.
//
//   auto clip = MakeSecondsClip(dir.path(), "gop2", /*seconds=*/60, /*gop_s=*/2);
//   ... push, store ...
//   EXPECT_EQ(SecondShown(ReadFile(dir / "live/s1/3.jpg")), 16);
//
// Thread-safety: pure functions (MakeSecondsClip runs ffmpeg).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace livesnap::testing {

// A 320x180 25 fps H.264 + AAC FLV clip of `seconds`, a keyframe every
// `gop_s` seconds; `noise` adds temporal noise so that slices are big enough
// to damage.
std::filesystem::path MakeSecondsClip(const std::filesystem::path& dir, const std::string& name,
                                      int seconds, int gop_s, bool noise = false);

// The second a JPEG (its bytes) shows; -1 when it is no JPEG.
int SecondShown(const std::string& jpeg);

// The sequence objects "<dir>/<N>.jpg" (N all digits) as the second each
// shows, keyed by N; empty when `dir` does not exist.
std::map<int, int> SecondsBySequence(const std::filesystem::path& dir);

// Waits (30 s at most) for three sequence objects in `dir` and expects them
// to show 0 s, 6 s and 10 s: a push of a clip with a keyframe every 2 s to a
// 5 s interval is captured at 0 s, then at the first keyframes at or after
// 5 s and 10 s. A failure prints `log()` (the server's log).
void ExpectSecondsZeroSixTen(const std::filesystem::path& dir,
                             const std::function<std::string()>& log);

}  // namespace livesnap::testing
