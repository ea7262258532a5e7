// The per-snapshot floor for the capacity benchmark: every keyframe of the
// very FLV clip livesnap-loadgen replays (bench/capacity.py makes it: 720p30
// 2 Mbit/s, GOP 2 s), decoded and JPEG-compressed as livesnapd's capture
// workers do it (FrameCapturer, quality 80, the decoder kept between
// captures), on one thread. bench/capacity.py divides livesnapd's measured
// CPU per stored snapshot by this.
//
//   build/<dir>/bench/clip_capture_benchmark --clip=PATH.flv
//
// Without --clip (or LIVESNAP_BENCH_CLIP) it encodes a short 640x360 clip
// with ffmpeg first, which is what the smoke test runs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "media/codec_config.h"
#include "rtmp/flv_file.h"
#include "rtmp/flv_tag.h"
#include "snapshot/frame_capturer.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

struct ClipKeyframes {
  media::VideoConfig config;
  std::vector<std::vector<uint8_t>> keyframes;  // length-prefixed NAL units
  size_t keyframe_bytes = 0;
};

std::string& ClipPath() {
  static std::string path;
  return path;
}

ClipKeyframes LoadClip() {
  std::string path = ClipPath();
  static livesnap::testing::TempDir* scratch = nullptr;
  if (path.empty()) {
    scratch = new livesnap::testing::TempDir();
    livesnap::testing::ClipSpec spec;
    spec.seconds = 2;
    spec.fps = 30;
    spec.gop_frames = 30;
    path = livesnap::testing::MakeFlvClip(scratch->path(), "clip", spec).string();
  }
  absl::StatusOr<rtmp::FlvFile> file = rtmp::FlvFile::Read(path);
  if (!file.ok()) {
    std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
    std::exit(2);
  }
  ClipKeyframes clip;
  bool have_config = false;
  for (const rtmp::FlvTag& tag : file->tags()) {
    if (tag.type != 9) continue;
    absl::StatusOr<rtmp::VideoTag> video = rtmp::ParseVideoTag(tag.body);
    if (!video.ok()) continue;
    if (video->kind == rtmp::VideoPacketKind::kSequenceHeader && !have_config) {
      absl::StatusOr<media::VideoConfig> config =
          media::ParseAvcDecoderConfigurationRecord(video->body);
      if (config.ok()) {
        clip.config = *std::move(config);
        have_config = true;
      }
    } else if (video->kind == rtmp::VideoPacketKind::kCodedFrames &&
               video->frame_type == rtmp::VideoFrameType::kKeyframe) {
      clip.keyframes.emplace_back(video->body.begin(), video->body.end());
      clip.keyframe_bytes += video->body.size();
    }
  }
  if (!have_config || clip.keyframes.empty()) {
    std::fprintf(stderr, "%s: no H.264 configuration or keyframes\n", path.c_str());
    std::exit(2);
  }
  return clip;
}

const ClipKeyframes& Clip() {
  static const ClipKeyframes clip = LoadClip();
  return clip;
}

void Capture(benchmark::State& state, bool fresh_capturer) {
  const ClipKeyframes& clip = Clip();
  absl::StatusOr<std::unique_ptr<snapshot::FrameCapturer>> capturer =
      snapshot::FrameCapturer::Create();
  if (!capturer.ok()) return state.SkipWithError(capturer.status().ToString().c_str());
  size_t next = 0;
  size_t jpeg_bytes = 0;
  int width = 0;
  for (auto _ : state) {
    if (fresh_capturer) {
      capturer = snapshot::FrameCapturer::Create();
      if (!capturer.ok()) return state.SkipWithError(capturer.status().ToString().c_str());
    }
    absl::StatusOr<snapshot::CapturedImage> image =
        (*capturer)->Capture(clip.config, clip.keyframes[next], {.quality = 80});
    if (!image.ok()) return state.SkipWithError(image.status().ToString().c_str());
    jpeg_bytes += image->jpeg.size();
    width = image->width;
    next = (next + 1) % clip.keyframes.size();
  }
  state.counters["keyframes_in_clip"] = static_cast<double>(clip.keyframes.size());
  state.counters["keyframe_bytes"] =
      static_cast<double>(clip.keyframe_bytes) / static_cast<double>(clip.keyframes.size());
  state.counters["jpeg_bytes"] =
      benchmark::Counter(static_cast<double>(jpeg_bytes), benchmark::Counter::kAvgIterations);
  state.counters["width"] = width;
}

// What a capture worker does for each snapshot of a stream whose
// configuration it already has a decoder for.
void BM_ClipCapture(benchmark::State& state) { Capture(state, false); }
// With the decoder and JPEG compressor created for every snapshot.
void BM_ClipCaptureFreshCapturer(benchmark::State& state) { Capture(state, true); }

BENCHMARK(BM_ClipCapture)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_ClipCaptureFreshCapturer)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace
}  // namespace livesnap

int main(int argc, char** argv) {
  if (const char* env = std::getenv("LIVESNAP_BENCH_CLIP")) livesnap::ClipPath() = env;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--clip=", 7) == 0) {
      livesnap::ClipPath() = argv[i] + 7;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
