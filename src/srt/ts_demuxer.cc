#include "srt/ts_demuxer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "media/codec_config.h"
#include "media/nal.h"

namespace livesnap::srt {
namespace {

constexpr uint8_t kStreamTypeAacAdts = 0x0f;
constexpr uint8_t kStreamTypeH264 = 0x1b;
constexpr uint8_t kStreamTypeHevc = 0x24;
constexpr int64_t kNoTime = -1;

void AppendU16(std::vector<uint8_t>& out, size_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

int64_t ReadTimestamp(const uint8_t* p) {
  return (int64_t{p[0]} >> 1 & 0x07) << 30 | int64_t{p[1]} << 22 | (int64_t{p[2]} >> 1) << 15 |
         int64_t{p[3]} << 7 | int64_t{p[4]} >> 1;
}

using PesHeader = TsDemuxer::PesHeader;

// The header at the start of a PES packet; nullopt when it has no start
// code, is cut short or is malformed.
std::optional<PesHeader> ParsePesHeader(std::span<const uint8_t> d) {
  if (d.size() < 9 || d[0] != 0 || d[1] != 0 || d[2] != 1) return std::nullopt;
  const int flags = d[7] >> 6;
  const size_t header_end = 9 + size_t{d[8]};
  const size_t needed = flags == 3 ? 19 : flags == 2 ? 14 : 9;
  if (header_end > d.size() || needed > header_end || flags == 1) return std::nullopt;
  PesHeader header;
  header.size = header_end;
  header.pts = flags >= 2 ? ReadTimestamp(&d[9]) : kNoTime;
  header.dts = flags == 3 ? ReadTimestamp(&d[14]) : header.pts;
  return header;
}

}  // namespace

int64_t PtsUnwrapper::Unwrap(int64_t pts) {
  if (last_ >= 0) {
    if (pts < last_ && last_ - pts > kRange / 2) {
      epoch_ += kRange;
    } else if (pts > last_ && pts - last_ > kRange / 2 && epoch_ > 0) {
      return epoch_ - kRange + pts;  // a late packet from before the wrap
    }
  }
  last_ = pts;
  return epoch_ + pts;
}

std::vector<uint8_t> BuildAvcRecord(const std::vector<std::vector<uint8_t>>& sps,
                                    const std::vector<std::vector<uint8_t>>& pps) {
  std::vector<uint8_t> record = {
      1, sps[0][1], sps[0][2], sps[0][3], 0xFF, static_cast<uint8_t>(0xE0 | (sps.size() & 0x1F))};
  for (const auto& set : sps) {
    AppendU16(record, set.size());
    record.insert(record.end(), set.begin(), set.end());
  }
  record.push_back(static_cast<uint8_t>(pps.size()));
  for (const auto& set : pps) {
    AppendU16(record, set.size());
    record.insert(record.end(), set.begin(), set.end());
  }
  return record;
}

std::vector<uint8_t> BuildHevcRecord(const std::vector<std::vector<uint8_t>>& vps,
                                     const std::vector<std::vector<uint8_t>>& sps,
                                     const std::vector<std::vector<uint8_t>>& pps) {
  // The general profile_tier_level: 12 bytes after the 2-byte NAL header
  // and the byte of sps_video_parameter_set_id / max_sub_layers / nesting.
  const std::vector<uint8_t> rbsp = media::RemoveEmulationPrevention(sps[0]);
  std::vector<uint8_t> record = {1};
  for (size_t i = 3; i < 15; ++i) record.push_back(i < rbsp.size() ? rbsp[i] : 0);
  record.insert(record.end(), {0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 3});
  const std::pair<int, const std::vector<std::vector<uint8_t>>*> arrays[] = {
      {32, &vps}, {33, &sps}, {34, &pps}};
  for (const auto& [type, sets] : arrays) {
    record.push_back(static_cast<uint8_t>(0x80 | type));
    AppendU16(record, sets->size());
    for (const auto& set : *sets) {
      AppendU16(record, set.size());
      record.insert(record.end(), set.begin(), set.end());
    }
  }
  return record;
}

TsDemuxer::~TsDemuxer() {
  if (budget_ != nullptr) budget_->Give(held_bytes_);
}

void TsDemuxer::ReleasePes(Pes& pes) {
  if (budget_ != nullptr) budget_->Give(pes.data.size());
  held_bytes_ -= pes.data.size();
  pes.data.clear();
}

absl::Status TsDemuxer::OnBytes(std::span<const uint8_t> data) {
  publication_->OnIngestBytes(data.size());
  if (!carry_.empty()) {
    const size_t take = std::min(kPacketSize - carry_.size(), data.size());
    carry_.insert(carry_.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(take));
    data = data.subspan(take);
    if (carry_.size() < kPacketSize) return absl::OkStatus();
    std::vector<uint8_t> packet = std::move(carry_);
    carry_.clear();
    if (absl::Status s =
            OnPacket(std::span<const uint8_t, kPacketSize>(packet.data(), kPacketSize));
        !s.ok()) {
      return s;
    }
  }
  while (data.size() >= kPacketSize) {
    if (absl::Status s = OnPacket(data.first<kPacketSize>()); !s.ok()) return s;
    data = data.subspan(kPacketSize);
  }
  carry_.assign(data.begin(), data.end());
  return absl::OkStatus();
}

absl::Status TsDemuxer::OnPacket(std::span<const uint8_t, kPacketSize> p) {
  if (p[0] != 0x47) {
    publication_->OnMalformedInput();
    return absl::DataLossError(
        absl::StrCat("MPEG-TS sync byte lost at packet ", packets_, ": 0x", absl::Hex(p[0])));
  }
  ++packets_;
  const bool unit_start = p[1] & 0x40;
  const uint16_t pid = static_cast<uint16_t>((p[1] & 0x1F) << 8 | p[2]);
  const int adaptation = p[3] >> 4 & 0x03;
  size_t at = 4;
  if (adaptation & 0x02) at += 1 + size_t{p[4]};
  if (!(adaptation & 0x01) || at >= kPacketSize) return absl::OkStatus();  // no payload
  const std::span<const uint8_t> payload = std::span<const uint8_t>(p).subspan(at);
  if (pid == 0 || pid == pmt_pid_) {
    if (unit_start) OnPsi(pid, payload);
    return absl::OkStatus();
  }
  if (pid == video_.pid) return OnPesPayload(video_, unit_start, payload);
  if (pid == audio_.pid) return OnPesPayload(audio_, unit_start, payload);
  return absl::OkStatus();
}

// A PAT or PMT section that starts in this packet (ffmpeg's and every
// encoder's fit in one); longer ones are ignored.
void TsDemuxer::OnPsi(uint16_t pid, std::span<const uint8_t> payload) {
  const size_t pointer = payload[0];
  if (1 + pointer + 3 > payload.size()) return;
  const std::span<const uint8_t> s = payload.subspan(1 + pointer);
  const size_t section_length = (s[1] & 0x0F) << 8 | s[2];
  if (3 + section_length > s.size() || section_length < 9 + 4) return;
  const size_t end = 3 + section_length - 4;  // before the CRC
  if (pid == 0 && s[0] == 0x00) {
    for (size_t i = 8; i + 4 <= end; i += 4) {
      const int program = s[i] << 8 | s[i + 1];
      if (program == 0) continue;  // the network PID
      pmt_pid_ = static_cast<uint16_t>((s[i + 2] & 0x1F) << 8 | s[i + 3]);
      return;
    }
  } else if (pid == pmt_pid_ && s[0] == 0x02 && end >= 12) {
    size_t i = 12 + ((s[10] & 0x0F) << 8 | s[11]);
    while (i + 5 <= end) {
      const uint8_t type = s[i];
      const auto es_pid = static_cast<uint16_t>((s[i + 1] & 0x1F) << 8 | s[i + 2]);
      const size_t info_length = (s[i + 3] & 0x0F) << 8 | s[i + 4];
      if ((type == kStreamTypeH264 || type == kStreamTypeHevc) && video_.pid == 0xFFFF) {
        video_.pid = es_pid;
        video_codec_ =
            type == kStreamTypeH264 ? media::VideoCodec::kH264 : media::VideoCodec::kHevc;
      } else if (type == kStreamTypeAacAdts && audio_.pid == 0xFFFF) {
        audio_.pid = es_pid;
      }
      i += 5 + info_length;
    }
  }
}

// Whether a video PES that starts while one is being gathered continues
// its access unit. Muxers that put NAL units in PES of their own split an
// access unit over several PES (GStreamer's mpegtsmux fed NAL-aligned H.264:
// AUD, SPS, PPS, SEI and each slice apart, the later slices stamped with the
// next picture's time), so the NAL units decide (H.264 7.4.1.2.3, HEVC
// 7.4.2.4.4): a slice that is not its picture's first continues; an access
// unit delimiter starts a new one; anything else (parameter sets, SEI, a
// first slice) continues only an access unit without a picture yet, and
// only at its time or with no time of its own.
bool TsDemuxer::ContinuesAccessUnit(std::span<const uint8_t> current, const PesHeader& now,
                                    std::span<const uint8_t> next, const PesHeader& then) const {
  const bool h264 = video_codec_ == media::VideoCodec::kH264;
  auto is_picture = [&](std::span<const uint8_t> nal) {
    const int type = h264 ? media::H264NalType(nal) : media::HevcNalType(nal);
    return h264 ? type >= 1 && type <= 5 : type <= 31;
  };
  std::span<const uint8_t> first;  // the new PES's first NAL unit, when it starts in view
  media::ForEachAnnexBNalUnit(next.subspan(then.size), [&](std::span<const uint8_t> nal) {
    if (first.empty()) first = nal;
  });
  if (first.size() >= (h264 ? 2u : 3u)) {
    const int type = h264 ? media::H264NalType(first) : media::HevcNalType(first);
    if (h264 ? type == 9 : type == 35) return false;             // access unit delimiter
    const bool first_slice = (first[h264 ? 1 : 2] & 0x80) != 0;  // first_mb 0 / first segment
    if (is_picture(first) && !first_slice) return true;
  }
  if (then.pts != kNoTime && then.dts != now.dts) return false;
  bool has_picture = false;
  media::ForEachAnnexBNalUnit(current.subspan(now.size), [&](std::span<const uint8_t> nal) {
    has_picture = has_picture || is_picture(nal);
  });
  return !has_picture;
}

absl::Status TsDemuxer::OnPesPayload(Pes& pes, bool unit_start, std::span<const uint8_t> payload) {
  if (unit_start) {
    std::optional<PesHeader> next, current;
    if (&pes == &video_ && pes.active) next = ParsePesHeader(payload);
    if (next.has_value()) current = ParsePesHeader(pes.data);
    if (next.has_value() && current.has_value() && current->pts != kNoTime &&
        ContinuesAccessUnit(pes.data, *current, payload, *next)) {
      payload = payload.subspan(next->size);
    } else {
      if (pes.active) {
        if (absl::Status s = OnPesComplete(pes); !s.ok()) return s;
      }
      pes.active = true;
      ReleasePes(pes);
    }
  }
  if (!pes.active) return absl::OkStatus();  // joined mid-PES
  if (pes.data.size() + payload.size() > kMaxPesBytes) {
    publication_->OnMalformedInput();
    return absl::InvalidArgumentError(
        absl::StrCat("PES on PID ", pes.pid, " over ", kMaxPesBytes, " bytes"));
  }
  if (budget_ != nullptr && !budget_->TryTake(payload.size(), held_bytes_)) {
    over_budget_ = true;
    return absl::ResourceExhaustedError(
        absl::StrCat("PES on PID ", pes.pid, " at ", pes.data.size(), " bytes (", held_bytes_,
                     " held by this stream): the partial-PES budget of ", budget_->limit_bytes(),
                     " bytes has no room"));
  }
  held_bytes_ += payload.size();
  pes.data.insert(pes.data.end(), payload.begin(), payload.end());
  return absl::OkStatus();
}

absl::Status TsDemuxer::OnPesComplete(Pes& pes) {
  pes.active = false;
  const std::vector<uint8_t>& d = pes.data;
  if (d.size() < 9 || d[0] != 0 || d[1] != 0 || d[2] != 1) {
    publication_->OnMalformedInput();
    return absl::InvalidArgumentError(absl::StrCat("PES on PID ", pes.pid, " without start code"));
  }
  const std::optional<PesHeader> header = ParsePesHeader(d);
  if (!header.has_value()) {
    publication_->OnMalformedInput();
    return absl::InvalidArgumentError(
        absl::StrCat("PES header on PID ", pes.pid, " cut short or bad (flags ", d[7] >> 6, ")"));
  }
  const std::span<const uint8_t> es = std::span<const uint8_t>(d).subspan(header->size);
  if (header->pts == kNoTime) return absl::OkStatus();  // nothing to time it by
  if (&pes == &video_) return OnVideo(header->pts, header->dts, es);
  OnAudio(header->pts, es);
  return absl::OkStatus();
}

absl::Status TsDemuxer::OnVideo(int64_t pts_90khz, int64_t dts_90khz, std::span<const uint8_t> es) {
  const bool h264 = video_codec_ == media::VideoCodec::kH264;
  access_unit_.clear();
  std::vector<std::vector<uint8_t>> vps, sps, pps;  // the parameter sets of this access unit
  media::ForEachAnnexBNalUnit(es, [&](std::span<const uint8_t> nal) {
    const int type = h264 ? media::H264NalType(nal) : media::HevcNalType(nal);
    if (h264 ? type == 9 : type == 35) return;  // access unit delimiter
    if (h264 ? type == 7 : type == 33) sps.emplace_back(nal.begin(), nal.end());
    if (h264 ? type == 8 : type == 34) pps.emplace_back(nal.begin(), nal.end());
    if (!h264 && type == 32) vps.emplace_back(nal.begin(), nal.end());
    const size_t size = nal.size();
    access_unit_.insert(access_unit_.end(),
                        {static_cast<uint8_t>(size >> 24), static_cast<uint8_t>(size >> 16),
                         static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)});
    access_unit_.insert(access_unit_.end(), nal.begin(), nal.end());
  });
  if (!sps.empty() || !pps.empty() || !vps.empty()) {
    if (!sps.empty()) sps_ = std::move(sps);
    if (!pps.empty()) pps_ = std::move(pps);
    if (!vps.empty()) vps_ = std::move(vps);
    UpdateVideoConfig();
  }
  if (access_unit_.empty()) return absl::OkStatus();
  // The composition offset modulo the 33-bit range: PTS may wrap before DTS.
  constexpr int64_t kRange = int64_t{1} << 33;
  int64_t offset_90khz = (pts_90khz - dts_90khz) & (kRange - 1);
  if (offset_90khz >= kRange / 2) offset_90khz -= kRange;
  media::VideoFrame frame;
  frame.codec = video_codec_;
  frame.dts_ms = video_clock_.Unwrap(dts_90khz) / 90;
  frame.pts_ms = frame.dts_ms + offset_90khz / 90;
  frame.keyframe = true;  // no trusted flag in TS: the publication reads the NAL units
  frame.data = access_unit_;
  return publication_->OnVideoFrame(frame);
}

// Builds and hands on the configuration once every parameter set it needs
// arrived; a set that fails to parse is counted and waited past.
void TsDemuxer::UpdateVideoConfig() {
  const bool h264 = video_codec_ == media::VideoCodec::kH264;
  if (sps_.empty() || pps_.empty() || (!h264 && vps_.empty())) return;
  if (sps_[0].size() < (h264 ? 4u : 15u)) {
    publication_->OnMalformedInput();
    return;
  }
  std::vector<uint8_t> record =
      h264 ? BuildAvcRecord(sps_, pps_) : BuildHevcRecord(vps_, sps_, pps_);
  if (record == config_key_) return;
  absl::StatusOr<media::VideoConfig> config =
      h264 ? media::ParseAvcDecoderConfigurationRecord(record)
           : media::ParseHevcDecoderConfigurationRecord(record);
  config_key_ = std::move(record);
  if (!config.ok()) {  // logged once per distinct set: config_key_ holds it now
    publication_->OnMalformedInput();
    spdlog::warn("[{}] video parameter sets refused: {}", publication_->key().ToString(),
                 config.status().ToString());
    return;
  }
  publication_->OnVideoConfig(*std::move(config));
}

void TsDemuxer::OnAudio(int64_t pts_90khz, std::span<const uint8_t> es) {
  static constexpr int kSampleRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                         22050, 16000, 12000, 11025, 8000,  7350};
  int64_t time_90khz = audio_clock_.Unwrap(pts_90khz);
  size_t i = 0;
  while (i + 7 <= es.size() && es[i] == 0xFF && (es[i + 1] & 0xF6) == 0xF0) {
    const size_t frame_length = (es[i + 3] & 0x03) << 11 | es[i + 4] << 3 | es[i + 5] >> 5;
    const size_t header = (es[i + 1] & 0x01) ? 7 : 9;
    const int rate_index = es[i + 2] >> 2 & 0x0F;
    if (frame_length < header || i + frame_length > es.size() || rate_index > 12) break;
    if (!audio_announced_) {
      publication_->OnAudioConfig(media::AudioCodec::kAac);
      audio_announced_ = true;
    }
    publication_->OnAudioFrame(
        {media::AudioCodec::kAac, time_90khz / 90, es.subspan(i + header, frame_length - header)});
    time_90khz += int64_t{1024} * 90000 / kSampleRates[rate_index];
    i += frame_length;
  }
}

}  // namespace livesnap::srt
