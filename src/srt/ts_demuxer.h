// File: srt/ts_demuxer.h
//
// MPEG-TS (ISO/IEC 13818-1) taken apart into what the media hub takes, as
// SRT encoders send it: the first program of the PAT, its H.264
// (stream_type 0x1b), HEVC (0x24) and AAC/ADTS (0x0f) elementary streams.
// Video access units (one PES, or several where a muxer puts NAL units in
// PES of their own: the NAL units tell where one ends) go from Annex B to length-prefixed NAL units
// (access unit delimiters dropped). Parameter sets are kept from whichever access unit carries them
// (an encoder may send them once, at the start) and become the decoder configuration (an avcC/hvcC
// record, as RTMP's sequence header carries) before the access unit that carried them goes on; the
// 33-bit 90 kHz PTS/DTS are unwrapped into 64-bit milliseconds. Keyframes are left to the
// publication, which finds them from the NAL units (the random-access indicator is not trusted).
//
// Push-based: bytes come as the network delivers them (any split), so one
// demuxer per connection costs a few buffers and no thread. The PES packets
// being reassembled take their bytes from a MessageBudget shared by every
// connection of a server (ingest/message_budget.h), when one is given.
//
//   TsDemuxer ts(publication.get(), &budget);
//   LS_RETURN_IF_ERROR(ts.OnBytes(received), "srt input");  // error: close
//
// Thread-safety: not thread-safe; one per publish, driven by one thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "ingest/message_budget.h"
#include "media/codec.h"
#include "media/publication.h"

namespace livesnap::srt {

// 33-bit 90 kHz timestamps to a 64-bit count that goes on past the wrap
// (every 26.5 hours); a step back of less than half the range is kept.
class PtsUnwrapper {
 public:
  int64_t Unwrap(int64_t pts_90khz);

 private:
  static constexpr int64_t kRange = int64_t{1} << 33;
  int64_t epoch_ = 0;
  int64_t last_ = -1;
};

class TsDemuxer {
 public:
  static constexpr size_t kPacketSize = 188;
  static constexpr size_t kMaxPesBytes = 8 * 1024 * 1024;

  // REQUIRES: `publication` and `budget` (may be null: no budget) outlive
  // the demuxer.
  explicit TsDemuxer(media::Publication* publication, ingest::MessageBudget* budget = nullptr)
      : publication_(publication), budget_(budget) {}
  ~TsDemuxer();  // gives back what it holds of the budget
  TsDemuxer(const TsDemuxer&) = delete;
  TsDemuxer& operator=(const TsDemuxer&) = delete;

  // DataLoss when the stream loses sync (a packet not starting with 0x47),
  // InvalidArgument for a malformed PES header or one over kMaxPesBytes, or
  // the publication's error for malformed NAL units: each counted as
  // malformed input. ResourceExhausted (not counted as malformed;
  // over_budget() is then true) when the budget has no room for a PES.
  // After any error the session should close.
  absl::Status OnBytes(std::span<const uint8_t> data);

  int64_t packets() const { return packets_; }

  struct PesHeader {
    size_t size = 0;   // bytes before the elementary stream
    int64_t pts = -1;  // 90 kHz; -1: none
    int64_t dts = -1;
  };
  bool over_budget() const { return over_budget_; }
  uint64_t held_bytes() const { return held_bytes_; }  // of the budget

 private:
  struct Pes {
    uint16_t pid = 0;
    bool active = false;
    std::vector<uint8_t> data;
  };

  absl::Status OnPacket(std::span<const uint8_t, kPacketSize> packet);
  void OnPsi(uint16_t pid, std::span<const uint8_t> payload);
  absl::Status OnPesPayload(Pes& pes, bool unit_start, std::span<const uint8_t> payload);
  absl::Status OnPesComplete(Pes& pes);
  bool ContinuesAccessUnit(std::span<const uint8_t> current, const PesHeader& now,
                           std::span<const uint8_t> next, const PesHeader& then) const;
  void ReleasePes(Pes& pes);  // empties its buffer, giving its bytes back
  absl::Status OnVideo(int64_t pts_90khz, int64_t dts_90khz, std::span<const uint8_t> es);
  void OnAudio(int64_t pts_90khz, std::span<const uint8_t> es);
  void UpdateVideoConfig();

  media::Publication* publication_;
  ingest::MessageBudget* budget_;
  uint64_t held_bytes_ = 0;  // of budget_: the PES buffers' sizes
  bool over_budget_ = false;
  std::vector<uint8_t> carry_;  // a packet cut by the network
  int64_t packets_ = 0;
  uint16_t pmt_pid_ = 0xFFFF;
  media::VideoCodec video_codec_ = media::VideoCodec::kUnknown;
  Pes video_{.pid = 0xFFFF, .active = false, .data = {}};
  Pes audio_{.pid = 0xFFFF, .active = false, .data = {}};
  bool audio_announced_ = false;
  PtsUnwrapper video_clock_;
  PtsUnwrapper audio_clock_;
  // Parameter sets last seen (Annex B payloads, without start codes) and
  // those the configuration in force was built from.
  std::vector<std::vector<uint8_t>> vps_, sps_, pps_;
  std::vector<uint8_t> config_key_;
  std::vector<uint8_t> access_unit_;  // length-prefixed NAL units, reused
};

// The avcC / hvcC record for parameter sets (without start codes): what
// media::ParseAvcDecoderConfigurationRecord / ParseHevc... take.
// REQUIRES: sps and pps non-empty (HEVC: vps too), the first SPS at least
// 4 bytes (H.264) / 15 bytes (HEVC).
std::vector<uint8_t> BuildAvcRecord(const std::vector<std::vector<uint8_t>>& sps,
                                    const std::vector<std::vector<uint8_t>>& pps);
std::vector<uint8_t> BuildHevcRecord(const std::vector<std::vector<uint8_t>>& vps,
                                     const std::vector<std::vector<uint8_t>>& sps,
                                     const std::vector<std::vector<uint8_t>>& pps);

}  // namespace livesnap::srt
