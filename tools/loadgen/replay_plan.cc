#include "tools/loadgen/replay_plan.h"

#include <algorithm>
#include <limits>

#include "rtmp/flv_tag.h"

namespace livesnap::loadgen {

namespace {

// AMF0 string "@setDataFrame": what RTMP encoders put before onMetaData.
void AppendSetDataFrame(std::vector<uint8_t>& out) {
  constexpr std::string_view kName = "@setDataFrame";
  out.push_back(0x02);
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(kName.size()));
  out.insert(out.end(), kName.begin(), kName.end());
}

}  // namespace

absl::StatusOr<ReplayPlan> ReplayPlan::Create(rtmp::FlvFile file) {
  ReplayPlan plan(std::move(file));
  bool have_metadata = false;
  for (const rtmp::FlvTag& tag : plan.file_.tags()) {
    if (tag.type == rtmp::FlvTag::kScript) {
      if (have_metadata) continue;  // the first script tag is onMetaData
      have_metadata = true;
      AppendSetDataFrame(plan.metadata_);
      plan.metadata_.insert(plan.metadata_.end(), tag.body.begin(), tag.body.end());
      continue;
    }
    ReplayTag replay{tag.type, tag.timestamp_ms, tag.body, false};
    if (tag.type == rtmp::FlvTag::kVideo) {
      absl::StatusOr<rtmp::VideoTag> video = rtmp::ParseVideoTag(tag.body);
      if (video.ok() && video->kind == rtmp::VideoPacketKind::kSequenceHeader) {
        plan.header_.push_back({tag.type, 0, tag.body, false});
        continue;
      }
      replay.keyframe = video.ok() && video->kind == rtmp::VideoPacketKind::kCodedFrames &&
                        video->frame_type == rtmp::VideoFrameType::kKeyframe;
    } else if (tag.type == rtmp::FlvTag::kAudio) {
      absl::StatusOr<rtmp::AudioTag> audio = rtmp::ParseAudioTag(tag.body);
      if (audio.ok() && audio->sequence_header) {
        plan.header_.push_back({tag.type, 0, tag.body, false});
        continue;
      }
    } else {
      continue;  // neither audio, video nor script data: not sent
    }
    plan.loop_.push_back(replay);
  }
  if (plan.loop_.empty()) {
    return absl::InvalidArgumentError("the FLV file has no audio or video frames");
  }
  if (have_metadata) {
    plan.header_.insert(plan.header_.begin(),
                        ReplayTag{rtmp::FlvTag::kScript, 0, plan.metadata_, false});
  }

  uint32_t first_ms = std::numeric_limits<uint32_t>::max();
  for (const ReplayTag& tag : plan.loop_) first_ms = std::min(first_ms, tag.timestamp_ms);
  uint32_t last_ms = 0;
  std::vector<uint32_t> video_ms;
  for (ReplayTag& tag : plan.loop_) {
    tag.timestamp_ms -= first_ms;
    last_ms = std::max(last_ms, tag.timestamp_ms);
    plan.loop_bytes_ += tag.body.size();
    plan.loop_keyframes_ += tag.keyframe;
    if (tag.type == rtmp::FlvTag::kVideo) video_ms.push_back(tag.timestamp_ms);
  }
  int64_t duration_ms = int64_t{last_ms} + 1;
  if (video_ms.size() >= 2) {
    std::vector<int64_t> spacing;
    for (size_t i = 1; i < video_ms.size(); ++i) {
      spacing.push_back(int64_t{video_ms[i]} - video_ms[i - 1]);
    }
    std::nth_element(spacing.begin(), spacing.begin() + spacing.size() / 2, spacing.end());
    duration_ms = int64_t{video_ms.back()} + std::max<int64_t>(1, spacing[spacing.size() / 2]);
    // Audio the encoder padded past the last video frame would overlap the
    // next loop's first audio frames: it is not sent.
    std::erase_if(plan.loop_,
                  [&](const ReplayTag& tag) { return tag.timestamp_ms >= duration_ms; });
    plan.loop_bytes_ = 0;
    for (const ReplayTag& tag : plan.loop_) plan.loop_bytes_ += tag.body.size();
  }
  plan.loop_duration_ms_ = duration_ms;
  return plan;
}

}  // namespace livesnap::loadgen
