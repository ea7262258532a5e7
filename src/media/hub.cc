#include "media/hub.h"

#include <spdlog/spdlog.h>

#include "media/internal/ingest_counters.h"
#include "media/publication.h"

namespace livesnap::media {

namespace internal {

namespace {

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

IngestCounters::IngestCounters(prometheus::Registry& registry)
    : IngestCounters(
          CounterFamily(registry, "livesnap_publishes_total", "Publish requests, by result"),
          CounterFamily(registry, "livesnap_ingest_frames_total", "Frames received, by kind"),
          registry) {}

IngestCounters::IngestCounters(prometheus::Family<prometheus::Counter>& publishes,
                               prometheus::Family<prometheus::Counter>& frames,
                               prometheus::Registry& registry)
    : publishes_accepted(publishes.Add({{"result", "accepted"}})),
      publishes_refused(publishes.Add({{"result", "refused"}})),
      bytes(CounterFamily(registry, "livesnap_ingest_bytes_total",
                          "Audio and video payload bytes received")
                .Add({})),
      video_frames(frames.Add({{"kind", "video"}})),
      keyframes(frames.Add({{"kind", "keyframe"}})),
      audio_frames(frames.Add({{"kind", "audio"}})),
      malformed_tags(CounterFamily(registry, "livesnap_ingest_malformed_tags_total",
                                   "Audio/video messages that failed to parse")
                         .Add({})) {
  auto& stops =
      CounterFamily(registry, "livesnap_publish_stops_total", "Publishes ended, by reason");
  for (StopReason reason :
       {StopReason::kUnpublished, StopReason::kDisconnected, StopReason::kProtocolError,
        StopReason::kIdleTimeout, StopReason::kShutdown}) {
    stops_by_reason[static_cast<size_t>(reason)] =
        &stops.Add({{"reason", std::string(StopReasonName(reason))}});
  }
}

}  // namespace internal

MediaHub::MediaHub(const Clock& clock, prometheus::Registry& metrics)
    : clock_(clock), counters_(std::make_unique<internal::IngestCounters>(metrics)) {}

MediaHub::~MediaHub() = default;

void MediaHub::AddSubscriber(StreamSubscriber* subscriber) { subscribers_.push_back(subscriber); }

void MediaHub::SetAdmissionPolicy(AdmissionPolicy policy) { admission_ = std::move(policy); }

absl::StatusOr<std::unique_ptr<Publication>> MediaHub::Publish(StreamInfo info) {
  info.publish_unix_ms = clock_.UnixMs();
  if (admission_) {
    if (absl::Status admitted = admission_(info); !admitted.ok()) {
      counters_->publishes_refused.Increment();
      return admitted;
    }
  }
  {
    std::lock_guard lock(mu_);
    if (live_.contains(info.key)) {
      counters_->publishes_refused.Increment();
      return absl::AlreadyExistsError("stream " + info.key.ToString() + " is already publishing");
    }
    live_.emplace(info.key, nullptr);  // reserve the key while sinks are created
  }
  std::vector<std::unique_ptr<StreamSink>> sinks;
  for (StreamSubscriber* subscriber : subscribers_) {
    if (auto sink = subscriber->OnPublishStart(info)) sinks.push_back(std::move(sink));
  }
  std::unique_ptr<Publication> publication(new Publication(this, info, std::move(sinks)));
  {
    std::lock_guard lock(mu_);
    live_[info.key] = publication.get();
  }
  counters_->publishes_accepted.Increment();
  return publication;
}

void MediaHub::Unregister(const StreamKey& key) {
  std::lock_guard lock(mu_);
  live_.erase(key);
}

std::vector<LiveStream> MediaHub::ListLiveStreams() const {
  std::lock_guard lock(mu_);
  std::vector<LiveStream> streams;
  streams.reserve(live_.size());
  for (const auto& [key, publication] : live_) {
    if (publication != nullptr) streams.push_back({publication->Info(), publication->Stats()});
  }
  return streams;
}

std::optional<LiveStream> MediaHub::FindLiveStream(const StreamKey& key) const {
  std::lock_guard lock(mu_);
  auto it = live_.find(key);
  if (it == live_.end() || it->second == nullptr) return std::nullopt;
  return LiveStream{it->second->Info(), it->second->Stats()};
}

size_t MediaHub::live_count() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

}  // namespace livesnap::media
