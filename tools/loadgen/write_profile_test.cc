#include "tools/loadgen/write_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace livesnap::loadgen {
namespace {

using ::testing::ElementsAre;

// Control bytes, then a message of two chunks (header, payload, 1-byte
// header, payload), then a message of one chunk.
const std::vector<bool> kBatch = {false, true, false, true, false, true, false};

TEST(WriteProfileTest, FfmpegWritesEveryHeaderAndPayloadOnItsOwn) {
  EXPECT_THAT(SendBoundaries(WriteProfile::kFfmpeg, kBatch), ElementsAre(1, 2, 3, 4, 5, 6, 7));
}

TEST(WriteProfileTest, ObsWritesEachChunkWithItsHeader) {
  EXPECT_THAT(SendBoundaries(WriteProfile::kObs, kBatch), ElementsAre(1, 3, 5, 7));
}

TEST(WriteProfileTest, BatchedWritesUpToTheGatherLimitAtOnce) {
  EXPECT_THAT(SendBoundaries(WriteProfile::kBatched, kBatch), ElementsAre(7));
  const std::vector<bool> many(kMaxWriteBuffers + 3, false);
  EXPECT_THAT(SendBoundaries(WriteProfile::kBatched, many),
              ElementsAre(kMaxWriteBuffers, kMaxWriteBuffers + 3));
}

TEST(WriteProfileTest, AHeaderWithoutItsPayloadInTheBatchStandsAlone) {
  EXPECT_THAT(SendBoundaries(WriteProfile::kObs, {true}), ElementsAre(1));
  EXPECT_TRUE(SendBoundaries(WriteProfile::kFfmpeg, {}).empty());
}

TEST(WriteProfileTest, NamesRoundTripAndOnlyBatchedSetsNoDelay) {
  for (WriteProfile profile : {WriteProfile::kFfmpeg, WriteProfile::kObs, WriteProfile::kBatched}) {
    EXPECT_EQ(ParseWriteProfile(WriteProfileName(profile)), profile);
  }
  EXPECT_FALSE(ParseWriteProfile("librtmp").has_value());
  EXPECT_FALSE(SetsNoDelay(WriteProfile::kFfmpeg));
  EXPECT_FALSE(SetsNoDelay(WriteProfile::kObs));
  EXPECT_TRUE(SetsNoDelay(WriteProfile::kBatched));
}

}  // namespace
}  // namespace livesnap::loadgen
