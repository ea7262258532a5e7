#include "tests/support/media_fixtures.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tests/support/subprocess.h"

namespace livesnap::testing {

std::filesystem::path MakeFlvClip(const std::filesystem::path& dir, const std::string& name,
                                  const ClipSpec& spec) {
  const std::filesystem::path out = dir / (name + ".flv");
  std::string source = spec.video_source;
  if (source.find('=') == std::string::npos) {
    source += "=size=" + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
              ":rate=" + std::to_string(spec.fps);
  }
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                                   "-f",     "lavfi",        "-i",        source};
  if (spec.audio) {
    argv.insert(argv.end(), {"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"});
  }
  const std::string gop = std::to_string(spec.gop_frames);
  argv.insert(argv.end(), {"-t", std::to_string(spec.seconds), "-c:v", "libx264", "-preset",
                           "ultrafast", "-pix_fmt", "yuv420p", "-g", gop, "-keyint_min", gop,
                           "-sc_threshold", "0", "-bf", "0"});
  argv.insert(argv.end(), spec.video_args.begin(), spec.video_args.end());
  if (spec.audio) argv.insert(argv.end(), {"-c:a", "aac", "-b:a", "64k"});
  argv.insert(argv.end(), {"-f", "flv", out.string()});
  RunResult result = Run(argv, std::chrono::minutes(2));
  if (result.exit_code != 0) {
    std::fprintf(stderr, "ffmpeg failed to make %s:\n%s\n", out.c_str(), result.output.c_str());
    std::abort();
  }
  return out;
}

VideoCounts ProbeVideo(const std::filesystem::path& file) {
  RunResult result = Run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=flags", "-of", "csv=p=0", file.string()},
                         std::chrono::minutes(1));
  VideoCounts counts;
  std::istringstream lines(result.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++counts.frames;
    if (line.find('K') != std::string::npos) ++counts.keyframes;
  }
  return counts;
}

std::vector<std::string> PushCommand(const std::filesystem::path& file, const std::string& url,
                                     bool realtime) {
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "info", "-nostats"};
  if (realtime) argv.push_back("-re");
  argv.insert(argv.end(), {"-i", file.string(), "-c", "copy", "-f", "flv", url});
  return argv;
}

std::vector<std::string> SecondsClipTsPushCommand(const std::string& codec, const std::string& url,
                                                  int seconds) {
  std::vector<std::string> argv = {
      "ffmpeg",
      "-hide_banner",
      "-loglevel",
      "error",
      "-nostdin",
      "-re",
      "-f",
      "lavfi",
      "-i",
      "color=c=black:s=320x180:r=25,format=yuv420p,geq=lum='16+3*floor(T)':cb=128:cr=128",
      "-t",
      std::to_string(seconds),
      "-c:v",
      codec,
      "-g",
      "50",
      "-keyint_min",
      "50"};
  if (codec == "libx265") {
    argv.insert(argv.end(), {"-x265-params", "log-level=error:scenecut=0"});
  } else {
    argv.insert(argv.end(), {"-sc_threshold", "0"});
  }
  argv.insert(argv.end(), {"-f", "mpegts", url});
  return argv;
}

}  // namespace livesnap::testing
