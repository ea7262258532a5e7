// Captures the seed corpora for the fuzz targets from a real ffmpeg push:
// runs an RTMP server session over a plain socket, lets ffmpeg publish a
// short lavfi clip to it, and writes what it received, sorted by parser:
//   session/ the bytes ffmpeg sent from the handshake on, in growing prefixes
//   chunk/  the raw chunk stream after the handshake, in pieces
//   publisher/ what the server Session answered, from S0 on
//   amf0/   command and data message bodies
//   flv/    audio and video message bodies (sequence headers and frames)
//   avc/    AVCDecoderConfigurationRecords
//   hevc/   HEVC parameter-set NAL units from an ffmpeg libx265 encode
//   ts/     MPEG-TS as SRT encoders send it: H.264 + AAC and HEVC, in pieces
// Usage: capture_corpus OUT_DIR
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "rtmp/chunk_reader.h"
#include "rtmp/session.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;

void WriteSeed(const fs::path& dir, int index, std::span<const uint8_t> bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / ("seed-" + std::to_string(index)), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

class AcceptAll : public rtmp::SessionDelegate {
 public:
  absl::Status OnPublish(const ingest::PublishTarget&) override { return absl::OkStatus(); }
  void OnMetadata(const rtmp::amf0::Value&) override {}
  absl::Status OnVideo(uint32_t, std::span<const uint8_t>) override { return absl::OkStatus(); }
  absl::Status OnAudio(uint32_t, std::span<const uint8_t>) override { return absl::OkStatus(); }
  void OnUnpublish() override {}
};

// Serves one RTMP publisher on `listener`; returns every byte it sent and
// appends every byte the session answered to `answered`.
std::vector<uint8_t> ServeOnePublisher(int listener, std::vector<uint8_t>& answered) {
  int fd = ::accept(listener, nullptr, nullptr);
  AcceptAll delegate;
  rtmp::Session session(delegate, {});
  std::vector<uint8_t> received, out;
  uint8_t buffer[65536];
  while (true) {
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    received.insert(received.end(), buffer, buffer + n);
    out.clear();
    if (!session.OnBytes(std::span(buffer, static_cast<size_t>(n)), out).ok()) break;
    answered.insert(answered.end(), out.begin(), out.end());
    if (!out.empty()) ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }
  ::close(fd);
  return received;
}

void SortMessages(std::span<const uint8_t> chunk_stream, const fs::path& out) {
  rtmp::ChunkReader reader;
  std::vector<rtmp::Message> messages;
  (void)reader.Feed(chunk_stream, messages);
  int amf = 0, flv = 0, avc = 0;
  for (const rtmp::Message& m : messages) {
    if (m.type_id == rtmp::kCommandAmf0 || m.type_id == rtmp::kDataAmf0) {
      WriteSeed(out / "amf0", amf++, m.payload);
    } else if ((m.type_id == rtmp::kVideo || m.type_id == rtmp::kAudio) && flv < 64) {
      WriteSeed(out / "flv", flv++,
                std::span(m.payload).first(std::min<size_t>(m.payload.size(), 4096)));
      // An AVC sequence header: keyframe + AVC codec id, packet type 0.
      if (m.type_id == rtmp::kVideo && m.payload.size() > 5 && m.payload[0] == 0x17 &&
          m.payload[1] == 0) {
        WriteSeed(out / "avc", avc++, std::span(m.payload).subspan(5));
      }
    }
  }
  std::printf("capture_corpus: %zu messages: %d amf0, %d flv, %d avc seeds\n", messages.size(), amf,
              flv, avc);
}

// Splits an Annex B HEVC stream and keeps its VPS/SPS/PPS NAL units.
void CaptureHevcParameterSets(const fs::path& work, const fs::path& out) {
  const fs::path file = work / "clip.hevc";
  testing::RunResult r =
      testing::Run({"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=25", "-t", "1", "-c:v", "libx265", "-x265-params",
                    "log-level=error", "-f", "hevc", file.string()},
                   std::chrono::minutes(2));
  if (r.exit_code != 0) {
    std::fprintf(stderr, "capture_corpus: ffmpeg libx265 failed:\n%s\n", r.output.c_str());
    std::exit(1);
  }
  const std::string data = testing::ReadFile(file);
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  std::vector<size_t> starts;
  for (size_t i = 0; i + 3 < data.size(); ++i) {
    if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1) starts.push_back(i + 3);
  }
  int seeds = 0;
  for (size_t k = 0; k < starts.size(); ++k) {
    size_t end = k + 1 < starts.size() ? starts[k + 1] - 3 : data.size();
    while (end > starts[k] && bytes[end - 1] == 0) --end;  // 4-byte start codes
    const int type = (bytes[starts[k]] >> 1) & 0x3F;
    if (type >= 32 && type <= 34) {
      WriteSeed(out / "hevc", seeds++, std::span(bytes + starts[k], end - starts[k]));
    }
  }
  std::printf("capture_corpus: %d hevc seeds\n", seeds);
}

// MPEG-TS from ffmpeg (H.264 + AAC, then HEVC), cut into 16 KiB seeds that
// start at packet boundaries, as SRT's 1316-byte messages do.
void CaptureTs(const fs::path& work, const fs::path& out) {
  int seeds = 0;
  for (const char* codec : {"libx264", "libx265"}) {
    const fs::path file = work / (std::string(codec) + ".ts");
    testing::RunResult r = testing::Run({"ffmpeg", "-hide_banner", "-loglevel",
                                         "error",  "-y",           "-f",
                                         "lavfi",  "-i",           "testsrc2=size=320x180:rate=25",
                                         "-f",     "lavfi",        "-i",
                                         "sine",   "-t",           "1",
                                         "-c:v",   codec,          "-g",
                                         "10",     "-c:a",         "aac",
                                         "-f",     "mpegts",       file.string()},
                                        std::chrono::minutes(2));
    if (r.exit_code != 0) {
      std::fprintf(stderr, "capture_corpus: ffmpeg %s to TS failed:\n%s\n", codec,
                   r.output.c_str());
      std::exit(1);
    }
    const std::string data = testing::ReadFile(file);
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
    constexpr size_t kSeedBytes = 188 * 87;
    for (size_t at = 0; at < data.size() && seeds < 32; at += kSeedBytes) {
      WriteSeed(out / "ts", seeds++, std::span(bytes + at, std::min(kSeedBytes, data.size() - at)));
    }
  }
  std::printf("capture_corpus: %d ts seeds\n", seeds);
}

int Main(const fs::path& out) {
  testing::TempDir work;
  testing::ClipSpec spec;
  spec.seconds = 2;
  spec.gop_frames = 10;
  const fs::path clip = testing::MakeFlvClip(work.path(), "clip", spec);

  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("capture_corpus: listen");
    return 1;
  }
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/live/seed";
  testing::Subprocess push(testing::PushCommand(clip, url, false), work / "push.log");
  std::vector<uint8_t> answered;
  std::vector<uint8_t> received = ServeOnePublisher(listener, answered);
  ::close(listener);
  push.Wait(std::chrono::seconds(30));

  constexpr size_t kHandshakeBytes = 1 + 1536 + 1536;
  if (received.size() <= kHandshakeBytes) {
    std::fprintf(stderr, "capture_corpus: ffmpeg sent only %zu bytes:\n%s\n", received.size(),
                 push.Log().c_str());
    return 1;
  }
  std::span<const uint8_t> chunks = std::span(received).subspan(kHandshakeBytes);
  // The start of the stream (commands, headers, first frames) in growing prefixes.
  int index = 0;
  for (size_t size : {512, 2048, 8192, 32768, 131072}) {
    WriteSeed(out / "chunk", index++, chunks.first(std::min(size, chunks.size())));
  }
  index = 0;
  for (size_t size : {kHandshakeBytes + 1024, kHandshakeBytes + 8192, kHandshakeBytes + 65536}) {
    WriteSeed(out / "session", index++, std::span(received).first(std::min(size, received.size())));
  }
  WriteSeed(out / "publisher", 0, answered);
  SortMessages(chunks, out);
  CaptureHevcParameterSets(work.path(), out);
  CaptureTs(work.path(), out);
  return 0;
}

}  // namespace
}  // namespace livesnap

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: capture_corpus OUT_DIR\n");
    return 2;
  }
  return livesnap::Main(argv[1]);
}
