// What demuxing the MPEG-TS of one SRT stream costs: livesnap's TsDemuxer
// (into a real MediaHub publication, NAL scan and config included) against
// libavformat's mpegts demuxer reading the same bytes from memory through
// an AVIOContext. Input: 10 s of 1280x720 25 fps H.264 (2 Mbit/s) + AAC,
// encoded with the ffmpeg CLI at start. Reports bytes/s; per-stream cost
// is the stream's bitrate divided by it.
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

extern "C" {
#include <libavformat/avformat.h>
}

#include <cstring>
#include <string>

#include "base/clock.h"
#include "media/hub.h"
#include "media/publication.h"
#include "srt/ts_demuxer.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

const std::string& Clip() {
  static const std::string* const clip = [] {
    static testing::TempDir dir;
    const std::string path = (dir / "clip.ts").string();
    testing::RunResult r =
        testing::Run({"ffmpeg",   "-hide_banner", "-loglevel",
                      "error",    "-y",           "-f",
                      "lavfi",    "-i",           "testsrc2=size=1280x720:rate=25",
                      "-f",       "lavfi",        "-i",
                      "sine",     "-t",           "10",
                      "-c:v",     "libx264",      "-preset",
                      "veryfast", "-b:v",         "2M",
                      "-g",       "50",           "-c:a",
                      "aac",      "-f",           "mpegts",
                      path},
                     std::chrono::minutes(5));
    if (r.exit_code != 0) std::abort();
    return new std::string(testing::ReadFile(path));
  }();
  return *clip;
}

void BM_TsDemuxer(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  const std::string& clip = Clip();
  prometheus::Registry metrics;
  media::MediaHub hub(SystemClock::Instance(), metrics);
  for (auto _ : state) {
    media::StreamInfo info;
    info.key = {"a.com", "live", "bench"};
    auto publication = *hub.Publish(info);
    srt::TsDemuxer ts(publication.get());
    const auto* bytes = reinterpret_cast<const uint8_t*>(clip.data());
    for (size_t at = 0; at < clip.size(); at += 1316) {
      if (!ts.OnBytes(std::span(bytes + at, std::min<size_t>(1316, clip.size() - at))).ok()) {
        state.SkipWithError("demux failed");
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * clip.size()));
}
BENCHMARK(BM_TsDemuxer)->Unit(benchmark::kMillisecond);

struct Memory {
  const std::string* data;
  size_t at = 0;
};

int ReadPacket(void* opaque, uint8_t* buffer, int size) {
  auto* m = static_cast<Memory*>(opaque);
  const size_t n = std::min<size_t>(static_cast<size_t>(size), m->data->size() - m->at);
  if (n == 0) return AVERROR_EOF;
  std::memcpy(buffer, m->data->data() + m->at, n);
  m->at += n;
  return static_cast<int>(n);
}

void BM_LibavformatMpegts(benchmark::State& state) {
  const std::string& clip = Clip();
  av_log_set_level(AV_LOG_ERROR);
  for (auto _ : state) {
    Memory memory{&clip};
    auto* io_buffer = static_cast<uint8_t*>(av_malloc(1316 * 4));
    AVIOContext* io =
        avio_alloc_context(io_buffer, 1316 * 4, 0, &memory, &ReadPacket, nullptr, nullptr);
    AVFormatContext* format = avformat_alloc_context();
    format->pb = io;
    AVPacket* packet = av_packet_alloc();
    if (avformat_open_input(&format, nullptr, av_find_input_format("mpegts"), nullptr) == 0) {
      while (av_read_frame(format, packet) >= 0) av_packet_unref(packet);
      avformat_close_input(&format);
    }
    av_packet_free(&packet);
    av_freep(&io->buffer);
    avio_context_free(&io);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * clip.size()));
}
BENCHMARK(BM_LibavformatMpegts)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace livesnap

BENCHMARK_MAIN();
