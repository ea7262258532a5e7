#include "tests/support/hevc_clip.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include "tests/support/subprocess.h"

namespace livesnap::testing {

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "MakeHevcClip: %s\n", what.c_str());
  std::abort();
}

uint32_t U32(const std::string& file, size_t at) {
  return uint32_t{static_cast<uint8_t>(file[at])} << 24 |
         uint32_t{static_cast<uint8_t>(file[at + 1])} << 16 |
         uint32_t{static_cast<uint8_t>(file[at + 2])} << 8 | static_cast<uint8_t>(file[at + 3]);
}

// The hvcC box's payload: searched for inside the top-level moov box, which
// holds no media data in which the FourCC could appear by chance.
std::vector<uint8_t> FindHvcC(const std::string& file) {
  for (size_t at = 0; at + 8 <= file.size();) {
    const size_t size = U32(file, at);
    if (size < 8 || at + size > file.size()) break;
    if (std::string_view(file).substr(at + 4, 4) == "moov") {
      for (size_t i = at + 8; i + 8 <= at + size; ++i) {
        if (std::string_view(file).substr(i + 4, 4) != "hvcC") continue;
        const size_t box_size = U32(file, i);
        if (box_size < 8 || i + box_size > at + size) continue;
        return std::vector<uint8_t>(file.begin() + static_cast<ptrdiff_t>(i + 8),
                                    file.begin() + static_cast<ptrdiff_t>(i + box_size));
      }
    }
    at += size;
  }
  return {};
}

// "key=value|key=value" lines of ffprobe's compact writer.
std::vector<std::map<std::string, std::string>> ProbePackets(const std::filesystem::path& file) {
  RunResult probe =
      Run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
           "packet=pos,size,flags,dts_time,pts_time", "-of", "compact=p=0", file.string()},
          std::chrono::minutes(1));
  if (probe.exit_code != 0) Die("ffprobe failed:\n" + probe.output);
  std::vector<std::map<std::string, std::string>> packets;
  std::istringstream lines(probe.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto& fields = packets.emplace_back();
    std::istringstream parts(line);
    std::string part;
    while (std::getline(parts, part, '|')) {
      const size_t eq = part.find('=');
      if (eq != std::string::npos) fields[part.substr(0, eq)] = part.substr(eq + 1);
    }
  }
  return packets;
}

int64_t Milliseconds(const std::string& seconds) {
  return static_cast<int64_t>(std::llround(std::stod(seconds) * 1000));
}

}  // namespace

HevcClip MakeHevcClip(const std::filesystem::path& dir, const HevcClipSpec& spec) {
  const std::filesystem::path mp4 = dir / "hevc.mp4";
  const std::string gop = std::to_string(spec.gop_frames);
  std::string params =
      "log-level=error:keyint=" + gop + ":min-keyint=" + gop + ":scenecut=0:open-gop=0";
  if (!spec.b_frames) params += ":bframes=0";
  RunResult encode = Run({"ffmpeg",
                          "-hide_banner",
                          "-loglevel",
                          "error",
                          "-y",
                          "-f",
                          "lavfi",
                          "-i",
                          "testsrc2=size=" + std::to_string(spec.width) + "x" +
                              std::to_string(spec.height) + ":rate=" + std::to_string(spec.fps),
                          "-t",
                          std::to_string(spec.seconds),
                          "-c:v",
                          "libx265",
                          "-preset",
                          "ultrafast",
                          "-pix_fmt",
                          "yuv420p",
                          "-x265-params",
                          params,
                          "-tag:v",
                          "hvc1",
                          "-f",
                          "mp4",
                          mp4.string()},
                         std::chrono::minutes(2));
  if (encode.exit_code != 0) Die("ffmpeg libx265 failed:\n" + encode.output);

  const std::string file = ReadFile(mp4);
  HevcClip clip;
  clip.record = FindHvcC(file);
  if (clip.record.empty()) Die("no hvcC box in " + mp4.string());
  const auto packets = ProbePackets(mp4);
  if (packets.empty()) Die("ffprobe found no packets in " + mp4.string());
  const int64_t first_dts_ms = Milliseconds(packets.front().at("dts_time"));
  for (const auto& packet : packets) {
    const size_t pos = std::stoul(packet.at("pos"));
    const size_t size = std::stoul(packet.at("size"));
    if (pos + size > file.size()) Die("packet beyond the end of " + mp4.string());
    HevcFrame& frame = clip.frames.emplace_back();
    const int64_t dts_ms = Milliseconds(packet.at("dts_time"));
    frame.dts_ms = dts_ms - first_dts_ms;
    frame.composition_offset_ms =
        static_cast<int32_t>(Milliseconds(packet.at("pts_time")) - dts_ms);
    frame.keyframe = packet.at("flags").find('K') != std::string::npos;
    frame.data.assign(file.begin() + static_cast<ptrdiff_t>(pos),
                      file.begin() + static_cast<ptrdiff_t>(pos + size));
    clip.keyframes += frame.keyframe;
  }
  return clip;
}

}  // namespace livesnap::testing
