#include "snapshot/testing/test_keyframes.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string_view>

#include "media/codec_config.h"
#include "media/nal.h"
#include "rtmp/flv_file.h"
#include "rtmp/flv_tag.h"
#include "tests/support/subprocess.h"

namespace livesnap::snapshot::testing {

namespace {

namespace fs = std::filesystem;

std::string LavfiSource(const KeyframeSpec& spec) {
  if (spec.source.find(',') != std::string::npos) return spec.source;
  const char separator = spec.source.find('=') == std::string::npos ? '=' : ':';
  return spec.source + separator + "size=" + std::to_string(spec.width) + "x" +
         std::to_string(spec.height) + ":rate=25";
}

absl::Status RunFfmpeg(std::vector<std::string> argv) {
  const std::string command = [&] {
    std::string joined;
    for (const std::string& arg : argv) joined += arg + " ";
    return joined;
  }();
  livesnap::testing::RunResult result =
      livesnap::testing::Run(std::move(argv), std::chrono::minutes(2));
  if (result.exit_code != 0) {
    return absl::InternalError("ffmpeg failed (exit " + std::to_string(result.exit_code) +
                               "): " + command + "\n" + result.output);
  }
  return absl::OkStatus();
}

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

uint32_t ReadU32(std::span<const uint8_t> data, size_t at) {
  return uint32_t{data[at]} << 24 | uint32_t{data[at + 1]} << 16 | uint32_t{data[at + 2]} << 8 |
         data[at + 3];
}

// The payload of the top-level box `type`.
std::span<const uint8_t> TopLevelBox(std::span<const uint8_t> file, std::string_view type) {
  for (size_t at = 0; at + 8 <= file.size();) {
    const size_t size = ReadU32(file, at);
    if (size < 8 || at + size > file.size()) break;
    if (std::string_view(reinterpret_cast<const char*>(&file[at + 4]), 4) == type) {
      return file.subspan(at + 8, size - 8);
    }
    at += size;
  }
  return {};
}

// The payload of the first box `type` anywhere inside `parent` (searched:
// moov holds no media data where the FourCC could appear by chance).
std::span<const uint8_t> FindBox(std::span<const uint8_t> parent, std::string_view type) {
  for (size_t i = 0; i + 8 <= parent.size(); ++i) {
    if (std::string_view(reinterpret_cast<const char*>(&parent[i + 4]), 4) != type) continue;
    const size_t size = ReadU32(parent, i);
    if (size >= 8 && i + size <= parent.size()) return parent.subspan(i + 8, size - 8);
  }
  return {};
}

absl::StatusOr<EncodedKeyframe> EncodeH264(const fs::path& dir, const KeyframeSpec& spec) {
  const fs::path flv = dir / "keyframe.flv";
  const std::string gop = std::to_string(spec.gop_frames);
  std::vector<std::string> argv = {"ffmpeg",
                                   "-hide_banner",
                                   "-loglevel",
                                   "error",
                                   "-nostdin",
                                   "-y",
                                   "-f",
                                   "lavfi",
                                   "-i",
                                   LavfiSource(spec),
                                   "-frames:v",
                                   std::to_string(spec.frames),
                                   "-c:v",
                                   "libx264",
                                   "-preset",
                                   spec.preset,
                                   "-pix_fmt",
                                   spec.pix_fmt,
                                   "-g",
                                   gop,
                                   "-keyint_min",
                                   gop,
                                   "-sc_threshold",
                                   "0"};
  argv.insert(argv.end(), spec.codec_args.begin(), spec.codec_args.end());
  argv.insert(argv.end(), {"-f", "flv", flv.string()});
  if (absl::Status status = RunFfmpeg(std::move(argv)); !status.ok()) return status;
  return ReadFlvKeyframe(flv);
}

absl::StatusOr<EncodedKeyframe> EncodeHevc(const fs::path& dir, const KeyframeSpec& spec) {
  if (spec.frames != 1) return absl::InvalidArgumentError("HEVC clips are one frame");
  const fs::path mp4 = dir / "keyframe.mp4";
  std::vector<std::string> argv = {"ffmpeg",       "-hide_banner",
                                   "-loglevel",    "error",
                                   "-nostdin",     "-y",
                                   "-f",           "lavfi",
                                   "-i",           LavfiSource(spec),
                                   "-frames:v",    "1",
                                   "-c:v",         "libx265",
                                   "-preset",      spec.preset,
                                   "-pix_fmt",     spec.pix_fmt,
                                   "-x265-params", "log-level=error",
                                   "-tag:v",       "hvc1"};
  argv.insert(argv.end(), spec.codec_args.begin(), spec.codec_args.end());
  argv.insert(argv.end(), {"-f", "mp4", mp4.string()});
  if (absl::Status status = RunFfmpeg(std::move(argv)); !status.ok()) return status;

  const std::vector<uint8_t> file = ReadBytes(mp4);
  const std::span<const uint8_t> record = FindBox(TopLevelBox(file, "moov"), "hvcC");
  const std::span<const uint8_t> sample = TopLevelBox(file, "mdat");
  if (record.empty() || sample.empty()) {
    return absl::NotFoundError("no hvcC record or no mdat in " + mp4.string());
  }
  absl::StatusOr<media::VideoConfig> config = media::ParseHevcDecoderConfigurationRecord(record);
  if (!config.ok()) return config.status();
  EncodedKeyframe out;
  out.config = *std::move(config);
  out.keyframe.assign(sample.begin(), sample.end());
  return out;
}

bool IsSlice(media::VideoCodec codec, std::span<const uint8_t> nal) {
  if (codec == media::VideoCodec::kHevc) return media::HevcNalType(nal) < 32;
  const int type = media::H264NalType(nal);
  return type == 1 || type == 5;
}

void AppendU16(std::vector<uint8_t>& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

// `keyframe` with its `index`-th slice cut to `fraction` of its length
// (dropped, length prefix and all, at 0).
std::vector<uint8_t> RewriteSlice(const media::VideoConfig& config,
                                  std::span<const uint8_t> keyframe, int index, double fraction) {
  std::vector<uint8_t> out;
  int slice = 0;
  (void)media::ForEachNalUnit(config.nal_length_size, keyframe, [&](std::span<const uint8_t> nal) {
    size_t keep = nal.size();
    if (IsSlice(config.codec, nal) && slice++ == index) {
      keep = static_cast<size_t>(fraction * static_cast<double>(nal.size()));
      if (keep == 0) return;
    }
    for (int shift = 8 * (config.nal_length_size - 1); shift >= 0; shift -= 8) {
      out.push_back(static_cast<uint8_t>(keep >> shift));
    }
    out.insert(out.end(), nal.begin(), nal.begin() + static_cast<ptrdiff_t>(keep));
  });
  return out;
}

std::vector<uint8_t> AvcRecordWithout(const media::VideoConfig& config, int nal_type) {
  std::vector<uint8_t> out(config.record.begin(), config.record.begin() + 5);
  const std::vector<media::Bytes> none;
  const std::vector<media::Bytes>& sps = nal_type == 7 ? none : config.sps;
  const std::vector<media::Bytes>& pps = nal_type == 8 ? none : config.pps;
  out.push_back(static_cast<uint8_t>(0xe0 | sps.size()));
  for (const media::Bytes& set : sps) {
    AppendU16(out, set.size());
    out.insert(out.end(), set.begin(), set.end());
  }
  out.push_back(static_cast<uint8_t>(pps.size()));
  for (const media::Bytes& set : pps) {
    AppendU16(out, set.size());
    out.insert(out.end(), set.begin(), set.end());
  }
  return out;
}

// HEVCDecoderConfigurationRecord: 22 fixed bytes, numOfArrays, then arrays
// of (completeness|type, numNalus(16), (length(16), NAL unit)...).
std::vector<uint8_t> HevcRecordWithout(const media::VideoConfig& config, int nal_type) {
  const std::vector<uint8_t>& in = config.record;
  std::vector<uint8_t> out(in.begin(), in.begin() + 22);
  out.push_back(0);  // numOfArrays, counted below
  size_t at = 23;
  for (int a = 0; a < in[22]; ++a) {
    const size_t start = at;
    const int type = in[at] & 0x3f;
    const size_t count = size_t{in[at + 1]} << 8 | in[at + 2];
    at += 3;
    for (size_t n = 0; n < count; ++n) at += 2 + (size_t{in[at]} << 8 | in[at + 1]);
    if (type == nal_type) continue;
    out.insert(out.end(), in.begin() + static_cast<ptrdiff_t>(start),
               in.begin() + static_cast<ptrdiff_t>(at));
    ++out[22];
  }
  return out;
}

}  // namespace

absl::StatusOr<EncodedKeyframe> EncodeKeyframe(const std::filesystem::path& dir,
                                               const KeyframeSpec& spec) {
  return spec.codec == media::VideoCodec::kHevc ? EncodeHevc(dir, spec) : EncodeH264(dir, spec);
}

absl::StatusOr<EncodedKeyframe> ReadFlvKeyframe(const std::filesystem::path& flv) {
  absl::StatusOr<rtmp::FlvFile> file = rtmp::FlvFile::Read(flv);
  if (!file.ok()) return file.status();
  EncodedKeyframe out;
  bool have_config = false;
  bool after_keyframe = false;
  for (const rtmp::FlvTag& tag : file->tags()) {
    if (tag.type != rtmp::FlvTag::kVideo) continue;
    absl::StatusOr<rtmp::VideoTag> video = rtmp::ParseVideoTag(tag.body);
    if (!video.ok()) return video.status();
    if (video->kind == rtmp::VideoPacketKind::kSequenceHeader) {
      absl::StatusOr<media::VideoConfig> config =
          media::ParseAvcDecoderConfigurationRecord(video->body);
      if (!config.ok()) return config.status();
      out.config = *std::move(config);
      have_config = true;
    } else if (video->kind == rtmp::VideoPacketKind::kCodedFrames && have_config &&
               video->frame_type == rtmp::VideoFrameType::kKeyframe &&
               media::ContainsRandomAccessPicture(media::VideoCodec::kH264,
                                                  out.config.nal_length_size, video->body)) {
      out.keyframe.assign(video->body.begin(), video->body.end());
      out.inter_frame.clear();
      after_keyframe = true;
      continue;
    } else if (video->kind == rtmp::VideoPacketKind::kCodedFrames && after_keyframe) {
      out.inter_frame.assign(video->body.begin(), video->body.end());
    }
    after_keyframe = false;
  }
  if (!have_config || out.keyframe.empty()) {
    return absl::NotFoundError("no sequence header or no keyframe in " + flv.string());
  }
  return out;
}

std::vector<uint8_t> FlipSliceBytes(const media::VideoConfig& config,
                                    std::span<const uint8_t> keyframe, double start_fraction,
                                    size_t stride) {
  std::vector<uint8_t> out(keyframe.begin(), keyframe.end());
  const size_t header_bytes = config.codec == media::VideoCodec::kHevc ? 2 : 1;
  constexpr size_t kSliceHeaderBytes = 6;
  (void)media::ForEachNalUnit(config.nal_length_size, keyframe, [&](std::span<const uint8_t> nal) {
    if (!IsSlice(config.codec, nal)) return;
    const size_t offset = static_cast<size_t>(nal.data() - keyframe.data());
    const size_t first = std::max(header_bytes + kSliceHeaderBytes,
                                  static_cast<size_t>(start_fraction * nal.size()));
    for (size_t i = first; i < nal.size(); i += stride) out[offset + i] ^= 0xff;
  });
  return out;
}

int CountSlices(const media::VideoConfig& config, std::span<const uint8_t> keyframe) {
  int slices = 0;
  (void)media::ForEachNalUnit(config.nal_length_size, keyframe, [&](std::span<const uint8_t> nal) {
    slices += IsSlice(config.codec, nal) ? 1 : 0;
  });
  return slices;
}

std::vector<uint8_t> WithoutSlice(const media::VideoConfig& config,
                                  std::span<const uint8_t> keyframe, int index) {
  return RewriteSlice(config, keyframe, index, 0.0);
}

std::vector<uint8_t> WithSliceCut(const media::VideoConfig& config,
                                  std::span<const uint8_t> keyframe, int index, double fraction) {
  return RewriteSlice(config, keyframe, index, fraction);
}

media::VideoConfig WithoutParameterSetsInRecord(const media::VideoConfig& config, int nal_type) {
  media::VideoConfig out = config;
  out.record = config.codec == media::VideoCodec::kHevc ? HevcRecordWithout(config, nal_type)
                                                        : AvcRecordWithout(config, nal_type);
  return out;
}

}  // namespace livesnap::snapshot::testing
