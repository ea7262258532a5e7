#include "snapshot/internal/keyframe_decoder.h"

extern "C" {
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cstring>
#include <string>

#include "base/status.h"
#include "media/nal.h"
#include "snapshot/internal/av_log.h"

namespace livesnap::snapshot::internal {

namespace {

constexpr uint8_t kPatternEven = 1;
constexpr uint8_t kPatternOdd = 254;
constexpr uint16_t kPatternHighDepth = 0xffff;  // beyond every depth up to 14 bits

bool HighDepth(const AVPixFmtDescriptor& desc) { return desc.comp[0].depth > 8; }

int GetCoverageBuffer(AVCodecContext* context, AVFrame* frame, int flags) {
  const int ret = avcodec_default_get_buffer2(context, frame, flags);
  if (ret >= 0) FillCoveragePattern(*frame);
  return ret;
}

// What the keyframe itself carries besides slices.
struct InBandParameterSets {
  bool vps = false;
  bool sps = false;
  bool pps = false;
  bool differs_from_record = false;  // some in-band set is not one of the record's
};

bool Contains(const std::vector<media::Bytes>& sets, std::span<const uint8_t> nal) {
  return std::any_of(sets.begin(), sets.end(), [&](const media::Bytes& set) {
    return set.size() == nal.size() && std::equal(set.begin(), set.end(), nal.begin());
  });
}

absl::StatusOr<InBandParameterSets> ScanParameterSets(const media::VideoConfig& config,
                                                      std::span<const uint8_t> keyframe) {
  InBandParameterSets found;
  const bool hevc = config.codec == media::VideoCodec::kHevc;
  absl::Status walk =
      media::ForEachNalUnit(config.nal_length_size, keyframe, [&](std::span<const uint8_t> nal) {
        const int type = hevc ? media::HevcNalType(nal) : media::H264NalType(nal);
        const std::vector<media::Bytes>* record_sets = nullptr;
        if (hevc && type == 32) {
          found.vps = true;
          record_sets = &config.vps;
        } else if (type == (hevc ? 33 : 7)) {
          found.sps = true;
          record_sets = &config.sps;
        } else if (type == (hevc ? 34 : 8)) {
          found.pps = true;
          record_sets = &config.pps;
        }
        if (record_sets != nullptr && !Contains(*record_sets, nal)) {
          found.differs_from_record = true;
        }
      });
  LS_RETURN_IF_ERROR(walk,
                     "NAL units of the " + std::to_string(keyframe.size()) + "-byte keyframe");
  return found;
}

absl::Status CheckParameterSets(const media::VideoConfig& config,
                                const InBandParameterSets& in_band) {
  std::string missing;
  auto need = [&](bool present, const char* name) {
    if (present) return;
    if (!missing.empty()) missing += ", ";
    missing += name;
  };
  if (config.codec == media::VideoCodec::kHevc) need(!config.vps.empty() || in_band.vps, "VPS");
  need(!config.sps.empty() || in_band.sps, "SPS");
  need(!config.pps.empty() || in_band.pps, "PPS");
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError("no " + missing +
                                       " in the configuration record or the keyframe");
}

bool IsPattern8(const uint8_t* row, const uint8_t* next_row) {
  const bool even_first = row[0] == kPatternEven && row[1] == kPatternOdd;
  const bool odd_first = row[0] == kPatternOdd && row[1] == kPatternEven;
  return (even_first || odd_first) && next_row[0] == row[0] && next_row[1] == row[1];
}

bool IsPattern16(const uint8_t* row, const uint8_t* next_row) {
  uint16_t samples[4];
  std::memcpy(&samples[0], row, 4);
  std::memcpy(&samples[2], next_row, 4);
  return std::all_of(std::begin(samples), std::end(samples),
                     [](uint16_t s) { return s == kPatternHighDepth; });
}

}  // namespace

void FillCoveragePattern(AVFrame& frame) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame.format));
  if (desc == nullptr || frame.data[0] == nullptr || frame.width <= 0 || frame.height <= 0) return;
  const bool high = HighDepth(*desc);
  const size_t row_bytes = static_cast<size_t>(frame.width) * (high ? 2 : 1);
  uint8_t* first = frame.data[0];
  if (high) {
    std::memset(first, 0xff, row_bytes);
  } else {
    for (size_t x = 0; x < row_bytes; ++x) first[x] = (x & 1) != 0 ? kPatternOdd : kPatternEven;
  }
  for (int y = 1; y < frame.height; ++y) {
    std::memcpy(first + static_cast<ptrdiff_t>(y) * frame.linesize[0], first, row_bytes);
  }
}

bool FullyDecoded(const AVFrame& frame) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame.format));
  if (desc == nullptr || frame.width < 2 || frame.height < 2) return true;
  const bool high = HighDepth(*desc);
  const int bytes = high ? 2 : 1;
  auto holds_pattern = [&](int x, int y) {
    x = std::min(x, frame.width - 2);
    y = std::min(y, frame.height - 2);
    const uint8_t* row = frame.data[0] + static_cast<ptrdiff_t>(y) * frame.linesize[0] + x * bytes;
    const uint8_t* next_row = row + frame.linesize[0];
    return high ? IsPattern16(row, next_row) : IsPattern8(row, next_row);
  };
  // Two probes per block, away from its edges (deblocking of a decoded
  // neighbour never reaches them), both of which must hold the pattern.
  for (int y0 = 0; y0 < frame.height; y0 += 16) {
    for (int x0 = 0; x0 < frame.width; x0 += 16) {
      if (holds_pattern(x0 + 4, y0 + 4) && holds_pattern(x0 + 10, y0 + 10)) return false;
    }
  }
  return true;
}

KeyframeDecoder::KeyframeDecoder() : packet_(av_packet_alloc()) {}

absl::StatusOr<FramePtr> KeyframeDecoder::Decode(const media::VideoConfig& config,
                                                 std::span<const uint8_t> keyframe) {
  if (config.codec != media::VideoCodec::kH264 && config.codec != media::VideoCodec::kHevc) {
    return absl::FailedPreconditionError("cannot decode codec " +
                                         std::string(media::VideoCodecName(config.codec)));
  }
  if (config.record.empty()) {
    return absl::FailedPreconditionError("no decoder configuration record");
  }
  if (keyframe.empty()) return absl::InvalidArgumentError("empty keyframe");
  LS_ASSIGN_OR_RETURN(const InBandParameterSets in_band, ScanParameterSets(config, keyframe),
                      "scan keyframe");
  LS_RETURN_IF_ERROR(CheckParameterSets(config, in_band), "parameter sets");

  const bool reusable =
      context_ != nullptr && open_codec_ == config.codec && open_record_ == config.record;
  if (!reusable) {
    context_.reset();
    LS_RETURN_IF_ERROR(Open(config), "open decoder");
  }
  absl::StatusOr<FramePtr> picture = SendAndDrain(keyframe);
  // After a failure the decoder's state is suspect; in-band parameter sets
  // have replaced the record's. Either way the next keyframe gets a new one.
  if (!picture.ok() || in_band.differs_from_record) context_.reset();
  return picture;
}

absl::Status KeyframeDecoder::Open(const media::VideoConfig& config) {
  const bool hevc = config.codec == media::VideoCodec::kHevc;
  const AVCodec* codec = avcodec_find_decoder(hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264);
  if (codec == nullptr) {
    return absl::FailedPreconditionError(std::string("libavcodec has no ") +
                                         (hevc ? "HEVC" : "H.264") + " decoder");
  }
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (context == nullptr || packet_ == nullptr) {
    return absl::ResourceExhaustedError("allocate decoder");
  }
  const size_t record_size = config.record.size();
  context->extradata =
      static_cast<uint8_t*>(av_mallocz(record_size + AV_INPUT_BUFFER_PADDING_SIZE));
  if (context->extradata == nullptr) return absl::ResourceExhaustedError("allocate extradata");
  std::memcpy(context->extradata, config.record.data(), record_size);
  context->extradata_size = static_cast<int>(record_size);
  context->thread_count = 1;
  context->err_recognition =
      AV_EF_CRCCHECK | AV_EF_BITSTREAM | AV_EF_BUFFER | AV_EF_EXPLODE | AV_EF_CAREFUL;
  // Error concealment stays at libavcodec's default: the H.264 decoder keeps
  // its record of where each slice ended only while concealment is on, and
  // checks every slice after the first against that record, so with it off
  // every picture of several slices is flagged as damaged. A picture it
  // concealed anything in is flagged too (CONCEALMENT_ACTIVE) and refused.
  context->error_concealment = FF_EC_GUESS_MVS | FF_EC_DEBLOCK;
  context->get_buffer2 = &GetCoverageBuffer;

  AvErrorCapture errors;
  const int ret = avcodec_open2(context.get(), codec, nullptr);
  if (ret < 0) {
    return absl::DataLossError(errors.Explain(std::string(codec->name) + " decoder refused the " +
                                              std::to_string(record_size) +
                                              "-byte configuration record: " + AvErrorText(ret)));
  }
  context_ = std::move(context);
  open_codec_ = config.codec;
  open_record_ = config.record;
  ++opens_;
  return absl::OkStatus();
}

absl::StatusOr<FramePtr> KeyframeDecoder::SendAndDrain(std::span<const uint8_t> keyframe) {
  AvErrorCapture errors;
  AVPacket* packet = packet_.get();
  av_packet_unref(packet);
  if (av_new_packet(packet, static_cast<int>(keyframe.size())) < 0) {
    return absl::ResourceExhaustedError("allocate a packet of " + std::to_string(keyframe.size()) +
                                        " bytes");
  }
  std::memcpy(packet->data, keyframe.data(), keyframe.size());
  packet->flags |= AV_PKT_FLAG_KEY;

  const std::string what = std::to_string(keyframe.size()) + "-byte keyframe";
  int ret = avcodec_send_packet(context_.get(), packet);
  av_packet_unref(packet);
  if (ret < 0) {
    return absl::DataLossError(errors.Explain(what + " does not decode: " + AvErrorText(ret)));
  }
  ret = avcodec_send_packet(context_.get(), nullptr);
  if (ret < 0 && ret != AVERROR_EOF) {
    return absl::DataLossError(errors.Explain("drain after the " + what + ": " + AvErrorText(ret)));
  }
  FramePtr picture;
  for (;;) {
    FramePtr frame(av_frame_alloc());
    if (frame == nullptr) return absl::ResourceExhaustedError("allocate a frame");
    ret = avcodec_receive_frame(context_.get(), frame.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) {
      return absl::DataLossError(errors.Explain(what + " does not decode: " + AvErrorText(ret)));
    }
    if (picture == nullptr) picture = std::move(frame);
  }
  avcodec_flush_buffers(context_.get());  // leaves the draining state for the next keyframe

  if (picture == nullptr) {
    return absl::DataLossError(errors.Explain(what + " gave no picture"));
  }
  if (picture->decode_error_flags != 0) {
    return absl::DataLossError(errors.Explain(what + " decoded with errors (decode_error_flags " +
                                              std::to_string(picture->decode_error_flags) + ")"));
  }
  if ((picture->flags & AV_FRAME_FLAG_CORRUPT) != 0) {
    return absl::DataLossError(errors.Explain(what + " decoded into a picture marked corrupt"));
  }
  if (!picture->key_frame) {
    return absl::DataLossError(what + " is not a keyframe (picture type " +
                               std::string(1, av_get_picture_type_char(picture->pict_type)) + ")");
  }
  if (!FullyDecoded(*picture)) {
    return absl::DataLossError(
        errors.Explain(what + " decoded only in part (" + std::to_string(picture->width) + "x" +
                       std::to_string(picture->height) + " picture with blocks no slice covered)"));
  }
  return picture;
}

}  // namespace livesnap::snapshot::internal
