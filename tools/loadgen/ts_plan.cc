#include "tools/loadgen/ts_plan.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"

namespace livesnap::loadgen {
namespace {

constexpr int64_t kTimeMask = (int64_t{1} << 33) - 1;

// Stream ids whose PES carry no optional header (ISO/IEC 13818-1 2.4.3.7).
bool HasOptionalHeader(uint8_t stream_id) {
  return stream_id != 0xBC && stream_id != 0xBE && stream_id != 0xBF && stream_id != 0xF0 &&
         stream_id != 0xF1 && stream_id != 0xF2 && stream_id != 0xF8 && stream_id != 0xFF;
}

struct PidTimes {
  int64_t first = -1;
  int64_t last = -1;
  int64_t step = 0;  // between the last two
  int count = 0;
};

}  // namespace

int64_t ReadPesTime(const uint8_t* p) {
  return (int64_t{p[0]} >> 1 & 0x07) << 30 | int64_t{p[1]} << 22 | (int64_t{p[2]} >> 1) << 15 |
         int64_t{p[3]} << 7 | int64_t{p[4]} >> 1;
}

void WritePesTime(uint8_t* p, int64_t t) {
  p[0] = static_cast<uint8_t>((p[0] & 0xF0) | ((t >> 29) & 0x0E) | 1);
  p[1] = static_cast<uint8_t>(t >> 22);
  p[2] = static_cast<uint8_t>(((t >> 14) & 0xFE) | 1);
  p[3] = static_cast<uint8_t>(t >> 7);
  p[4] = static_cast<uint8_t>(((t << 1) & 0xFE) | 1);
}

int64_t ReadPcrBase(const uint8_t* p) {
  return int64_t{p[0]} << 25 | int64_t{p[1]} << 17 | int64_t{p[2]} << 9 | int64_t{p[3]} << 1 |
         int64_t{p[4]} >> 7;
}

void WritePcrBase(uint8_t* p, int64_t t) {
  p[0] = static_cast<uint8_t>(t >> 25);
  p[1] = static_cast<uint8_t>(t >> 17);
  p[2] = static_cast<uint8_t>(t >> 9);
  p[3] = static_cast<uint8_t>(t >> 1);
  p[4] = static_cast<uint8_t>((p[4] & 0x7F) | ((t & 1) << 7));
}

absl::StatusOr<TsPlan> TsPlan::Create(std::string ts) {
  if (ts.empty() || ts.size() % kPacketBytes != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("MPEG-TS of ", ts.size(), " bytes is not whole 188-byte packets"));
  }
  TsPlan plan;
  plan.data_ = std::move(ts);
  const auto* data = reinterpret_cast<const uint8_t*>(plan.data_.data());
  const size_t packets = plan.data_.size() / kPacketBytes;
  int64_t first_pcr = -1, last_pcr = -1;
  std::map<uint16_t, PidTimes> times;
  for (size_t first = 0; first < packets; first += kPacketsPerMessage) {
    plan.stamps_begin_.push_back(static_cast<uint32_t>(plan.stamps_.size()));
    int64_t message_pcr = -1;
    for (size_t n = first; n < std::min(packets, first + kPacketsPerMessage); ++n) {
      const size_t base = n * kPacketBytes;
      const uint8_t* p = data + base;
      if (p[0] != 0x47) return absl::InvalidArgumentError(absl::StrCat("sync lost at packet ", n));
      const uint16_t pid = static_cast<uint16_t>((p[1] & 0x1F) << 8 | p[2]);
      const bool unit_start = p[1] & 0x40;
      const int control = p[3] >> 4 & 0x03;
      size_t at = 4;
      if (control & 0x02) {
        const size_t length = p[4];
        if (length >= 7 && (p[5] & 0x10)) {
          plan.stamps_.push_back({static_cast<uint32_t>(base + 6), StampKind::kPcr});
          last_pcr = ReadPcrBase(p + 6);
          if (first_pcr < 0) first_pcr = last_pcr;
          if (message_pcr < 0) message_pcr = last_pcr;
        }
        at += 1 + length;
      }
      if (!(control & 0x01) || !unit_start || at + 14 > kPacketBytes) continue;
      if (p[at] != 0 || p[at + 1] != 0 || p[at + 2] != 1 || !HasOptionalHeader(p[at + 3])) continue;
      const int flags = p[at + 7] >> 6;
      if (flags < 2) continue;
      plan.stamps_.push_back({static_cast<uint32_t>(base + at + 9), StampKind::kPesTime});
      int64_t time = ReadPesTime(p + at + 9);
      if (flags == 3 && at + 19 <= kPacketBytes) {
        plan.stamps_.push_back({static_cast<uint32_t>(base + at + 14), StampKind::kPesTime});
        time = ReadPesTime(p + at + 14);
      }
      PidTimes& t = times[pid];
      if (t.first < 0) t.first = time;
      if (t.last >= 0) t.step = time - t.last;
      t.last = time;
      ++t.count;
    }
    const int64_t due_pcr = message_pcr >= 0 ? message_pcr : last_pcr;
    plan.due_ms_.push_back(first_pcr < 0 ? 0 : (due_pcr - first_pcr) / 90);
  }
  plan.stamps_begin_.push_back(static_cast<uint32_t>(plan.stamps_.size()));
  if (first_pcr < 0) return absl::InvalidArgumentError("MPEG-TS without a PCR");
  // The stream with a PES per frame (video) times the loop; audio PES hold
  // several frames, so their last step says little about where the clip ends.
  const PidTimes* timing = nullptr;
  for (const auto& [pid, t] : times) {
    if (timing == nullptr || t.count > timing->count) timing = &t;
  }
  if (timing != nullptr) plan.loop_duration_90khz_ = timing->last - timing->first + timing->step;
  if (plan.loop_duration_90khz_ <= 0) {
    return absl::InvalidArgumentError("MPEG-TS without two timed PES packets");
  }
  return plan;
}

std::span<const uint8_t> TsPlan::message(size_t i) const {
  const size_t begin = i * kMessageBytes;
  const size_t size = std::min(kMessageBytes, data_.size() - begin);
  return {reinterpret_cast<const uint8_t*>(data_.data()) + begin, size};
}

std::span<const uint8_t> TsPlan::Shifted(size_t i, int64_t offset_90khz,
                                         std::array<uint8_t, kMessageBytes>& scratch) const {
  const std::span<const uint8_t> original = message(i);
  if (offset_90khz == 0) return original;
  std::memcpy(scratch.data(), original.data(), original.size());
  const size_t begin = i * kMessageBytes;
  for (uint32_t s = stamps_begin_[i]; s < stamps_begin_[i + 1]; ++s) {
    uint8_t* field = scratch.data() + (stamps_[s].offset - begin);
    if (stamps_[s].kind == StampKind::kPcr) {
      WritePcrBase(field, (ReadPcrBase(field) + offset_90khz) & kTimeMask);
    } else {
      WritePesTime(field, (ReadPesTime(field) + offset_90khz) & kTimeMask);
    }
  }
  return {scratch.data(), original.size()};
}

}  // namespace livesnap::loadgen
