#include "media/publication.h"

#include <spdlog/spdlog.h>

#include "base/status.h"
#include "media/internal/ingest_counters.h"
#include "media/nal.h"

namespace livesnap::media {

namespace {

constexpr int64_t kBitrateWindowMs = 5000;
// Media time over which the frame rate of a stream without metadata is measured.
constexpr int64_t kFrameRateWindowMs = 2000;

}  // namespace

Publication::Publication(MediaHub* hub, StreamInfo info,
                         std::vector<std::unique_ptr<StreamSink>> sinks)
    : hub_(hub), key_(info.key), sinks_(std::move(sinks)), info_(std::move(info)) {}

Publication::~Publication() { Stop(StopReason::kDisconnected); }

void Publication::OnMetadata(const StreamMetadata& metadata) {
  std::lock_guard lock(info_mu_);
  // The sequence header's SPS is authoritative for the size; metadata only
  // fills in what is not known yet.
  if (info_.width == 0) info_.width = metadata.width;
  if (info_.height == 0) info_.height = metadata.height;
  if (metadata.frame_rate > 0) {
    info_.frame_rate = metadata.frame_rate;
    frame_rate_announced_ = true;
  }
}

void Publication::OnMalformedInput() { hub_->counters_->malformed_tags.Increment(); }

void Publication::OnVideoConfig(VideoConfig config) {
  if (config_ != nullptr && config_->record == config.record) return;
  config_ = std::make_shared<const VideoConfig>(std::move(config));
  {
    std::lock_guard lock(info_mu_);
    info_.video_codec = config_->codec;
    if (config_->width > 0) {
      info_.width = config_->width;
      info_.height = config_->height;
    }
  }
  spdlog::info("[{}] video {} {} level {} {}x{}", key_.ToString(), VideoCodecName(config_->codec),
               config_->profile, config_->level, config_->width, config_->height);
  for (auto& sink : sinks_) sink->OnVideoConfig(config_);
}

absl::Status Publication::OnVideoFrame(VideoFrame frame) {
  frame.config = config_;
  if (frame.keyframe) {
    absl::Status nal_status;
    frame.keyframe =
        config_ != nullptr &&
        ContainsRandomAccessPicture(frame.codec, config_->nal_length_size, frame.data, &nal_status);
    if (!nal_status.ok()) {
      OnMalformedInput();
      return Annotate(nal_status, "keyframe at " + std::to_string(frame.dts_ms) + " ms");
    }
  }
  video_frames_.fetch_add(1, std::memory_order_relaxed);
  window_video_bytes_ += static_cast<int64_t>(frame.data.size());
  last_dts_ms_.store(frame.dts_ms, std::memory_order_relaxed);
  MeasureFrameRate(frame.dts_ms);
  hub_->counters_->video_frames.Increment();
  if (frame.keyframe) {
    keyframes_.fetch_add(1, std::memory_order_relaxed);
    last_keyframe_dts_ms_.store(frame.dts_ms, std::memory_order_relaxed);
    last_keyframe_unix_ms_.store(hub_->clock_.UnixMs(), std::memory_order_relaxed);
    hub_->counters_->keyframes.Increment();
  }
  for (auto& sink : sinks_) sink->OnVideoFrame(frame);
  return absl::OkStatus();
}

void Publication::MeasureFrameRate(int64_t dts_ms) {
  if (rate_window_first_dts_ms_ < 0 || dts_ms < rate_window_first_dts_ms_) {
    rate_window_first_dts_ms_ = dts_ms;
    rate_window_frames_ = 0;
    return;
  }
  ++rate_window_frames_;
  const int64_t span_ms = dts_ms - rate_window_first_dts_ms_;
  if (span_ms < kFrameRateWindowMs) return;
  const double frames_per_s =
      static_cast<double>(rate_window_frames_) * 1000.0 / static_cast<double>(span_ms);
  rate_window_first_dts_ms_ = dts_ms;
  rate_window_frames_ = 0;
  std::lock_guard lock(info_mu_);
  if (!frame_rate_announced_) info_.frame_rate = frames_per_s;
}

void Publication::OnAudioConfig(AudioCodec codec) {
  std::lock_guard lock(info_mu_);
  info_.audio_codec = codec;
}

void Publication::OnAudioFrame(const AudioFrame& frame) {
  audio_frames_.fetch_add(1, std::memory_order_relaxed);
  window_audio_bytes_ += static_cast<int64_t>(frame.data.size());
  hub_->counters_->audio_frames.Increment();
}

void Publication::OnIngestBytes(size_t size) {
  bytes_.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  hub_->counters_->bytes.Increment(static_cast<double>(size));
  const int64_t now_ms = hub_->clock_.MonotonicMs();
  if (window_start_ms_ < 0) window_start_ms_ = now_ms;
  window_bytes_ += static_cast<int64_t>(size);
  const int64_t elapsed_ms = now_ms - window_start_ms_;
  if (elapsed_ms >= kBitrateWindowMs) {
    bitrate_kbps_.store(window_bytes_ * 8 / elapsed_ms, std::memory_order_relaxed);
    video_bitrate_kbps_.store(window_video_bytes_ * 8 / elapsed_ms, std::memory_order_relaxed);
    audio_bitrate_kbps_.store(window_audio_bytes_ * 8 / elapsed_ms, std::memory_order_relaxed);
    window_start_ms_ = now_ms;
    window_bytes_ = 0;
    window_video_bytes_ = 0;
    window_audio_bytes_ = 0;
  }
}

void Publication::Stop(StopReason reason) {
  if (stopped_) return;
  stopped_ = true;
  const StreamStats stats = Stats();
  hub_->Unregister(key_);
  hub_->counters_->stops_by_reason[static_cast<size_t>(reason)]->Increment();
  spdlog::info(
      "[{}] publish stopped: reason={} video_frames={} keyframes={} audio_frames={} bytes={}",
      key_.ToString(), StopReasonName(reason), stats.video_frames, stats.keyframes,
      stats.audio_frames, stats.bytes);
  for (auto& sink : sinks_) sink->OnStop(reason, stats);
  sinks_.clear();
}

StreamInfo Publication::Info() const {
  std::lock_guard lock(info_mu_);
  return info_;
}

StreamStats Publication::Stats() const {
  StreamStats stats;
  stats.bytes = bytes_.load(std::memory_order_relaxed);
  stats.video_frames = video_frames_.load(std::memory_order_relaxed);
  stats.keyframes = keyframes_.load(std::memory_order_relaxed);
  stats.audio_frames = audio_frames_.load(std::memory_order_relaxed);
  stats.bitrate_kbps = bitrate_kbps_.load(std::memory_order_relaxed);
  stats.video_bitrate_kbps = video_bitrate_kbps_.load(std::memory_order_relaxed);
  stats.audio_bitrate_kbps = audio_bitrate_kbps_.load(std::memory_order_relaxed);
  stats.last_keyframe_dts_ms = last_keyframe_dts_ms_.load(std::memory_order_relaxed);
  stats.last_keyframe_unix_ms = last_keyframe_unix_ms_.load(std::memory_order_relaxed);
  stats.last_dts_ms = last_dts_ms_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace livesnap::media
