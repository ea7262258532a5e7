#include "rtmp/flv_demuxer.h"

#include <string>

#include "base/status.h"
#include "media/codec_config.h"
#include "rtmp/flv_tag.h"

namespace livesnap::rtmp {

absl::Status FlvDemuxer::OnVideo(uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  publication_->OnIngestBytes(payload.size());
  absl::StatusOr<VideoTag> tag = ParseVideoTag(payload);
  if (!tag.ok()) {
    publication_->OnMalformedInput();
    return Annotate(tag.status(), "video tag at " + std::to_string(timestamp_ms) + " ms");
  }
  if (tag->codec == media::VideoCodec::kUnknown) return absl::OkStatus();  // not ours to decode
  if (tag->kind == VideoPacketKind::kSequenceHeader) {
    return OnSequenceHeader(tag->codec, tag->body);
  }
  if (tag->kind != VideoPacketKind::kCodedFrames) return absl::OkStatus();
  media::VideoFrame frame;
  frame.codec = tag->codec;
  frame.dts_ms = video_clock_.Unwrap(timestamp_ms);
  frame.pts_ms = frame.dts_ms + tag->composition_time_ms;
  frame.keyframe = tag->frame_type == VideoFrameType::kKeyframe;
  frame.data = tag->body;
  return publication_->OnVideoFrame(frame);
}

absl::Status FlvDemuxer::OnSequenceHeader(media::VideoCodec codec,
                                          std::span<const uint8_t> record) {
  absl::StatusOr<media::VideoConfig> config =
      codec == media::VideoCodec::kH264 ? media::ParseAvcDecoderConfigurationRecord(record)
                                        : media::ParseHevcDecoderConfigurationRecord(record);
  if (!config.ok()) {
    publication_->OnMalformedInput();
    return Annotate(config.status(), "video sequence header");
  }
  publication_->OnVideoConfig(*std::move(config));
  return absl::OkStatus();
}

absl::Status FlvDemuxer::OnAudio(uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  publication_->OnIngestBytes(payload.size());
  absl::StatusOr<AudioTag> tag = ParseAudioTag(payload);
  if (!tag.ok()) {
    publication_->OnMalformedInput();
    return Annotate(tag.status(), "audio tag at " + std::to_string(timestamp_ms) + " ms");
  }
  if (tag->sequence_header) {
    publication_->OnAudioConfig(tag->codec);
    return absl::OkStatus();
  }
  media::AudioFrame frame;
  frame.codec = tag->codec;
  frame.dts_ms = audio_clock_.Unwrap(timestamp_ms);
  frame.data = tag->body;
  publication_->OnAudioFrame(frame);
  return absl::OkStatus();
}

}  // namespace livesnap::rtmp
