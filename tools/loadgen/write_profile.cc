#include "tools/loadgen/write_profile.h"

#include <algorithm>

namespace livesnap::loadgen {

std::string_view WriteProfileName(WriteProfile profile) {
  switch (profile) {
    case WriteProfile::kFfmpeg:
      return "ffmpeg";
    case WriteProfile::kObs:
      return "obs";
    case WriteProfile::kBatched:
      return "batched";
  }
  return "?";
}

std::optional<WriteProfile> ParseWriteProfile(std::string_view name) {
  for (WriteProfile profile : {WriteProfile::kFfmpeg, WriteProfile::kObs, WriteProfile::kBatched}) {
    if (name == WriteProfileName(profile)) return profile;
  }
  return std::nullopt;
}

std::vector<size_t> SendBoundaries(WriteProfile profile, const std::vector<bool>& payload_follows) {
  std::vector<size_t> ends;
  const size_t count = payload_follows.size();
  for (size_t i = 0; i < count;) {
    size_t end = i + 1;
    switch (profile) {
      case WriteProfile::kFfmpeg:
        break;  // every header and every payload on its own
      case WriteProfile::kObs:
        if (payload_follows[i] && end < count) ++end;  // header + its payload
        break;
      case WriteProfile::kBatched:
        end = std::min(count, i + kMaxWriteBuffers);
        break;
    }
    ends.push_back(end);
    i = end;
  }
  return ends;
}

bool SetsNoDelay(WriteProfile profile) { return profile == WriteProfile::kBatched; }

}  // namespace livesnap::loadgen
