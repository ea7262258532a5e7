// What one snapshot costs: decode one keyframe (libavcodec) + JPEG encode
// (TurboJPEG) at 720p and 1080p, on keyframes that libx264/libx265 encode
// from lavfi testsrc2 when the benchmark starts, next to the parts alone:
// decode only (decoder kept, and opened per keyframe), range conversion
// only, JPEG compression only; capture and conversion of keyframes tagged
// BT.709 (what HD encoders write), which are converted to JPEG's BT.601;
// capture of a keyframe of four slices. CPU time of one thread per snapshot.
//
//   build/<dir>/bench/capture_benchmark --benchmark_filter=Capture
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "snapshot/frame_capturer.h"
#include "snapshot/internal/jpeg_encoder.h"
#include "snapshot/internal/keyframe_decoder.h"
#include "snapshot/internal/picture_converter.h"
#include "snapshot/testing/test_keyframes.h"
#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using testing::EncodedKeyframe;
using testing::KeyframeSpec;

struct Clip {
  const char* name;
  KeyframeSpec spec;
};

KeyframeSpec H264(int width, int height) {
  KeyframeSpec spec;
  spec.width = width;
  spec.height = height;
  spec.preset = "veryfast";  // what OBS and most live encoders default to
  spec.frames = 50;          // the keyframe at frame 25, after rate control settled
  spec.gop_frames = 25;
  return spec;
}

// Tagged BT.709 in the SPS, as HD encoders do.
KeyframeSpec Bt709(KeyframeSpec spec) {
  spec.codec_args = {"-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"};
  return spec;
}

const std::map<std::string, KeyframeSpec>& Specs() {
  static const auto* specs = [] {
    auto* m = new std::map<std::string, KeyframeSpec>;
    (*m)["h264_720p"] = H264(1280, 720);
    (*m)["h264_1080p"] = H264(1920, 1080);
    KeyframeSpec noisy = H264(1920, 1080);
    noisy.source = "testsrc2=size=1920x1080:rate=25,noise=alls=30:allf=t+u";
    noisy.codec_args = {"-b:v", "4M", "-maxrate", "4M", "-bufsize", "8M"};
    (*m)["h264_1080p_noisy_4M"] = noisy;
    KeyframeSpec hevc;
    hevc.codec = media::VideoCodec::kHevc;
    hevc.width = 1920;
    hevc.height = 1080;
    hevc.preset = "fast";
    (*m)["hevc_1080p"] = hevc;
    (*m)["h264_720p_bt709"] = Bt709(H264(1280, 720));
    (*m)["h264_1080p_bt709"] = Bt709(H264(1920, 1080));
    KeyframeSpec sliced = H264(1920, 1080);
    sliced.codec_args = {"-x264-params", "slices=4"};
    (*m)["h264_1080p_4_slices"] = sliced;
    return m;
  }();
  return *specs;
}

const EncodedKeyframe& Keyframe(const std::string& name) {
  static auto* clips = new std::map<std::string, EncodedKeyframe>;
  auto it = clips->find(name);
  if (it != clips->end()) return it->second;
  livesnap::testing::TempDir clip_dir;
  absl::StatusOr<EncodedKeyframe> clip = testing::EncodeKeyframe(clip_dir.path(), Specs().at(name));
  if (!clip.ok()) {
    std::fprintf(stderr, "cannot make the %s keyframe: %s\n", name.c_str(),
                 clip.status().ToString().c_str());
    std::abort();
  }
  return clips->emplace(name, *std::move(clip)).first->second;
}

void Fail(benchmark::State& state, const absl::Status& status) {
  state.SkipWithError(status.ToString().c_str());
}

void BM_Capture(benchmark::State& state, const std::string& clip_name, int width) {
  const EncodedKeyframe& clip = Keyframe(clip_name);
  absl::StatusOr<std::unique_ptr<FrameCapturer>> capturer = FrameCapturer::Create();
  if (!capturer.ok()) return Fail(state, capturer.status());
  size_t jpeg_bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<CapturedImage> image =
        (*capturer)->Capture(clip.config, clip.keyframe, {.quality = 80, .width = width});
    if (!image.ok()) return Fail(state, image.status());
    jpeg_bytes = image->jpeg.size();
  }
  state.counters["keyframe_bytes"] = static_cast<double>(clip.keyframe.size());
  state.counters["jpeg_bytes"] = static_cast<double>(jpeg_bytes);
}

void BM_Decode(benchmark::State& state, const std::string& clip_name, bool fresh_decoder) {
  const EncodedKeyframe& clip = Keyframe(clip_name);
  auto decoder = std::make_unique<internal::KeyframeDecoder>();
  for (auto _ : state) {
    if (fresh_decoder) decoder = std::make_unique<internal::KeyframeDecoder>();
    absl::StatusOr<internal::FramePtr> picture = decoder->Decode(clip.config, clip.keyframe);
    if (!picture.ok()) return Fail(state, picture.status());
    benchmark::DoNotOptimize(picture->get()->data[0]);
  }
}

// Range expansion (or libswscale when scaling) on a copy of the decoded
// picture; the copy is not timed.
void BM_Convert(benchmark::State& state, const std::string& clip_name, int width) {
  const EncodedKeyframe& clip = Keyframe(clip_name);
  internal::KeyframeDecoder decoder;
  absl::StatusOr<internal::FramePtr> picture = decoder.Decode(clip.config, clip.keyframe);
  if (!picture.ok()) return Fail(state, picture.status());
  const AVFrame& source = **picture;
  absl::StatusOr<internal::PictureSize> size =
      internal::OutputSize({source.width, source.height}, width, 0);
  if (!size.ok()) return Fail(state, size.status());
  internal::PictureConverter converter;
  internal::FramePtr copy(av_frame_alloc());
  copy->format = source.format;
  copy->width = source.width;
  copy->height = source.height;
  if (av_frame_get_buffer(copy.get(), 0) < 0) return Fail(state, absl::InternalError("alloc"));
  for (auto _ : state) {
    state.PauseTiming();
    av_frame_copy(copy.get(), &source);
    av_frame_copy_props(copy.get(), &source);
    state.ResumeTiming();
    absl::StatusOr<internal::YuvPlanes> planes = converter.Convert(*copy, *size);
    if (!planes.ok()) return Fail(state, planes.status());
    benchmark::DoNotOptimize(planes->data[0]);
  }
}

// TurboJPEG alone, from full-range planes.
void BM_JpegEncode(benchmark::State& state, const std::string& clip_name, int quality) {
  const EncodedKeyframe& clip = Keyframe(clip_name);
  internal::KeyframeDecoder decoder;
  absl::StatusOr<internal::FramePtr> picture = decoder.Decode(clip.config, clip.keyframe);
  if (!picture.ok()) return Fail(state, picture.status());
  internal::PictureConverter converter;
  absl::StatusOr<internal::YuvPlanes> planes =
      converter.Convert(**picture, {(*picture)->width, (*picture)->height});
  if (!planes.ok()) return Fail(state, planes.status());
  absl::StatusOr<std::unique_ptr<internal::JpegEncoder>> encoder = internal::JpegEncoder::Create();
  if (!encoder.ok()) return Fail(state, encoder.status());
  for (auto _ : state) {
    absl::StatusOr<std::vector<uint8_t>> jpeg = (*encoder)->Encode(*planes, quality);
    if (!jpeg.ok()) return Fail(state, jpeg.status());
    benchmark::DoNotOptimize(jpeg->data());
  }
}

#define LS_CLIP_BENCHMARKS(clip)                                                                  \
  BENCHMARK_CAPTURE(BM_Capture, clip, #clip, 0)->Unit(benchmark::kMillisecond);                   \
  BENCHMARK_CAPTURE(BM_Decode, clip, #clip, false)->Unit(benchmark::kMillisecond);                \
  BENCHMARK_CAPTURE(BM_Decode, clip##_fresh_decoder, #clip, true)->Unit(benchmark::kMillisecond); \
  BENCHMARK_CAPTURE(BM_Convert, clip, #clip, 0)->Unit(benchmark::kMillisecond);                   \
  BENCHMARK_CAPTURE(BM_JpegEncode, clip##_q80, #clip, 80)->Unit(benchmark::kMillisecond)

LS_CLIP_BENCHMARKS(h264_720p);
LS_CLIP_BENCHMARKS(h264_1080p);
LS_CLIP_BENCHMARKS(h264_1080p_noisy_4M);
LS_CLIP_BENCHMARKS(hevc_1080p);
BENCHMARK_CAPTURE(BM_Capture, h264_1080p_to_640w, "h264_1080p", 640)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Convert, h264_1080p_to_640w, "h264_1080p", 640)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Capture, h264_720p_bt709, "h264_720p_bt709", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Convert, h264_720p_bt709, "h264_720p_bt709", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Capture, h264_1080p_bt709, "h264_1080p_bt709", 0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Convert, h264_1080p_bt709, "h264_1080p_bt709", 0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Capture, h264_1080p_4_slices, "h264_1080p_4_slices", 0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Capture, h264_1080p_bt709_to_640w, "h264_1080p_bt709", 640)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Convert, h264_1080p_bt709_to_640w, "h264_1080p_bt709", 640)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace livesnap::snapshot

BENCHMARK_MAIN();
