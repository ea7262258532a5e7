// TsPlan on MPEG-TS that ffmpeg writes at test time: messages of seven
// packets paced by the PCR, a loop as long as the clip, and every PCR, PTS
// and DTS moved by the same offset when a loop is shifted.
#include "tools/loadgen/ts_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "tests/support/subprocess.h"

namespace livesnap::loadgen {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kRange = int64_t{1} << 33;

// 2 s of 25 fps H.264 (a keyframe every second) and AAC, B-frames on (so
// PES carry DTS), muxed by ffmpeg.
std::string MakeTs(const fs::path& dir) {
  const fs::path file = dir / "clip.ts";
  testing::RunResult r = testing::Run({"ffmpeg", "-hide_banner", "-loglevel",
                                       "error",  "-y",           "-f",
                                       "lavfi",  "-i",           "testsrc2=size=320x240:rate=25",
                                       "-f",     "lavfi",        "-i",
                                       "sine",   "-t",           "2",
                                       "-c:v",   "libx264",      "-g",
                                       "25",     "-bf",          "2",
                                       "-c:a",   "aac",          "-f",
                                       "mpegts", file.string()},
                                      std::chrono::minutes(1));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return testing::ReadFile(file);
}

// Every PCR base and PES time of `data` (whole packets), in order.
std::vector<int64_t> Stamps(std::span<const uint8_t> data) {
  std::vector<int64_t> out;
  for (size_t base = 0; base + TsPlan::kPacketBytes <= data.size(); base += TsPlan::kPacketBytes) {
    const uint8_t* p = data.data() + base;
    size_t at = 4;
    if (p[3] & 0x20) {
      if (p[4] >= 7 && (p[5] & 0x10)) out.push_back(ReadPcrBase(p + 6));
      at += 1 + p[4];
    }
    if (!(p[1] & 0x40) || !(p[3] & 0x10) || at + 14 > TsPlan::kPacketBytes) continue;
    if (p[at] != 0 || p[at + 1] != 0 || p[at + 2] != 1) continue;
    const int flags = p[at + 7] >> 6;
    if (flags >= 2) out.push_back(ReadPesTime(p + at + 9));
    if (flags == 3) out.push_back(ReadPesTime(p + at + 14));
  }
  return out;
}

class TsPlanTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST(TsTimeFieldsTest, RoundTripKeepingTheOtherBits) {
  for (int64_t t : {int64_t{0}, int64_t{1}, int64_t{126000}, kRange - 1, int64_t{0x155555555}}) {
    uint8_t pes[5] = {0x31, 0, 0, 0, 0};  // '0011' prefix: PTS with DTS following
    WritePesTime(pes, t);
    EXPECT_EQ(ReadPesTime(pes), t);
    EXPECT_EQ(pes[0] >> 4, 0x3);
    EXPECT_EQ(pes[0] & 1, 1);
    EXPECT_EQ(pes[2] & 1, 1);
    EXPECT_EQ(pes[4] & 1, 1);
    uint8_t pcr[6] = {0, 0, 0, 0, 0x7E, 0x21};  // reserved bits and a 9-bit extension
    WritePcrBase(pcr, t);
    EXPECT_EQ(ReadPcrBase(pcr), t);
    EXPECT_EQ(pcr[4] & 0x7F, 0x7E);
    EXPECT_EQ(pcr[5], 0x21);
  }
}

TEST_F(TsPlanTest, CutsTheFileIntoMessagesPacedByThePcr) {
  const std::string ts = MakeTs(dir_.path());
  absl::StatusOr<TsPlan> plan = TsPlan::Create(ts);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->message_count(), (ts.size() + TsPlan::kMessageBytes - 1) / TsPlan::kMessageBytes);
  for (size_t i = 0; i + 1 < plan->message_count(); ++i) {
    EXPECT_EQ(plan->message(i).size(), TsPlan::kMessageBytes);
    EXPECT_LE(plan->due_ms(i), plan->due_ms(i + 1));
  }
  EXPECT_EQ(plan->due_ms(0), 0);
  EXPECT_NEAR(plan->loop_duration_ms(), 2000, 30);
  // The last message is due about when the clip ends.
  EXPECT_GT(plan->due_ms(plan->message_count() - 1), 1000);
  EXPECT_LE(plan->due_ms(plan->message_count() - 1), plan->loop_duration_ms() + 100);
  EXPECT_EQ(plan->loop_bytes(), ts.size());
}

TEST_F(TsPlanTest, AShiftedMessageHasEveryTimestampMovedAndNothingElse) {
  absl::StatusOr<TsPlan> plan = TsPlan::Create(MakeTs(dir_.path()));
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::array<uint8_t, TsPlan::kMessageBytes> scratch{};
  size_t stamps = 0;
  for (int64_t offset : {plan->loop_duration_90khz(), kRange - 1000}) {
    for (size_t i = 0; i < plan->message_count(); ++i) {
      const std::vector<int64_t> before = Stamps(plan->message(i));
      const std::span<const uint8_t> shifted = plan->Shifted(i, offset, scratch);
      ASSERT_EQ(shifted.size(), plan->message(i).size());
      const std::vector<int64_t> after = Stamps(shifted);
      ASSERT_EQ(after.size(), before.size());
      for (size_t k = 0; k < before.size(); ++k) {
        EXPECT_EQ(after[k], (before[k] + offset) % kRange);  // wraps at 2^33
      }
      stamps += before.size();
      if (before.empty()) {
        EXPECT_TRUE(std::equal(shifted.begin(), shifted.end(), plan->message(i).begin()));
      }
    }
  }
  EXPECT_GT(stamps, 100u);  // 50 frames with PTS and DTS, AAC, PCRs
  EXPECT_EQ(plan->Shifted(0, 0, scratch).data(), plan->message(0).data());
}

TEST(TsPlanErrorsTest, RefusesWhatIsNotTimedTs) {
  EXPECT_FALSE(TsPlan::Create("").ok());
  EXPECT_FALSE(TsPlan::Create(std::string(100, 'x')).ok());
  std::string unsynced(188, '\0');
  EXPECT_FALSE(TsPlan::Create(unsynced).ok());
  std::string no_pcr(188, '\xFF');
  no_pcr[0] = 0x47;
  no_pcr[1] = 0x1F;
  no_pcr[2] = static_cast<char>(0xFF);  // null packets
  no_pcr[3] = 0x10;
  const absl::StatusOr<TsPlan> plan = TsPlan::Create(no_pcr);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("PCR"), std::string::npos) << plan.status();
}

}  // namespace
}  // namespace livesnap::loadgen
