// Fuzzes a whole server Session fed raw bytes from the first byte of the
// handshake on, with a real MediaHub behind it, so that what a publisher
// sends reaches the command flow, AMF0, aggregate messages and the FLV tag
// and codec record parsers. Seeds: real ffmpeg pushes, handshake included
// (corpus session/).
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/clock.h"
#include "media/hub.h"
#include "media/publication.h"
#include "rtmp/flv_demuxer.h"
#include "rtmp/session.h"

using namespace livesnap;

namespace {

class HubDelegate : public rtmp::SessionDelegate {
 public:
  explicit HubDelegate(media::MediaHub& hub) : hub_(hub) {}

  absl::Status OnPublish(const ingest::PublishTarget& target) override {
    media::StreamInfo info;
    info.key = {target.domain, target.app, target.stream};
    absl::StatusOr<std::unique_ptr<media::Publication>> publication = hub_.Publish(info);
    if (!publication.ok()) return publication.status();
    publication_ = *std::move(publication);
    flv_.emplace(publication_.get());
    return absl::OkStatus();
  }
  void OnMetadata(const rtmp::amf0::Value& metadata) override {
    if (publication_ && metadata.Find("width") != nullptr) publication_->OnMetadata({1, 1, 1});
  }
  absl::Status OnVideo(uint32_t timestamp, std::span<const uint8_t> payload) override {
    return publication_ ? flv_->OnVideo(timestamp, payload) : absl::OkStatus();
  }
  absl::Status OnAudio(uint32_t timestamp, std::span<const uint8_t> payload) override {
    return publication_ ? flv_->OnAudio(timestamp, payload) : absl::OkStatus();
  }
  void OnUnpublish() override { publication_.reset(); }

 private:
  media::MediaHub& hub_;
  std::unique_ptr<media::Publication> publication_;
  std::optional<rtmp::FlvDemuxer> flv_;  // of publication_
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static prometheus::Registry* const metrics = [] {
    spdlog::set_level(spdlog::level::off);
    return new prometheus::Registry();
  }();
  media::MediaHub hub(SystemClock::Instance(), *metrics);
  HubDelegate delegate(hub);
  rtmp::SessionOptions options;
  options.chunk_limits.max_chunk_size = 1 << 16;
  options.chunk_limits.max_message_size = 1 << 20;
  rtmp::Session session(delegate, options);
  std::vector<uint8_t> out;
  // Pieces as the network delivers them: the handshake whole, then 4 KiB reads.
  size_t at = 0;
  while (at < size) {
    const size_t piece =
        at == 0 ? std::min<size_t>(size, 1 + 1536) : std::min<size_t>(size - at, 4096);
    out.clear();
    if (!session.OnBytes(std::span(data + at, piece), out).ok() || session.should_close()) break;
    at += piece;
  }
  return 0;
}
