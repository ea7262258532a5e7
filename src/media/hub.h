// File: media/hub.h
//
// MediaHub is where ingest and consumers meet (DESIGN.md: rtmp -> media <-
// snapshot). An ingest session publishes a stream and feeds it codec
// configurations and access units (media/frame.h); subscribers are told of every publish and may
// attach a per-stream sink that receives the stream's video. The hub also keeps the registry of
// live streams with their stats, which the API reads.
//
//   MediaHub hub(SystemClock::Instance());
//   hub.AddSubscriber(&snapshotter);              // before streams start
//   auto pub = hub.Publish(info);                 // AlreadyExists if live
//   (*pub)->OnVideoFrame(frame);                  // per access unit
//   (*pub)->Stop(StopReason::kUnpublished);       // or destroy it
//
// Thread-safety: MediaHub is thread-safe. A Publication is driven by one
// thread at a time (its ingest session); sinks are called on that thread and
// must not block it: heavy work goes to their own workers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "media/frame.h"
#include "media/stream.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace livesnap::media {

// Receives one stream's video. Created by a StreamSubscriber at publish start
// and destroyed after OnStop.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void OnVideoConfig(std::shared_ptr<const VideoConfig> config) = 0;
  virtual void OnVideoFrame(const VideoFrame& frame) = 0;
  virtual void OnStop(StopReason reason, const StreamStats& stats) = 0;
};

class StreamSubscriber {
 public:
  virtual ~StreamSubscriber() = default;
  // Called when a publish starts. Returns the sink for this stream, or null
  // when the subscriber has no interest in it (then it costs nothing more).
  virtual std::unique_ptr<StreamSink> OnPublishStart(const StreamInfo& info) = 0;
};

// A live-stream row of the registry.
struct LiveStream {
  StreamInfo info;
  StreamStats stats;
};

class Publication;
namespace internal {
struct IngestCounters;
}  // namespace internal

class MediaHub {
 public:
  // `metrics` receives the ingest counters (publishes, stops, frames, bytes).
  MediaHub(const Clock& clock, prometheus::Registry& metrics);
  ~MediaHub();
  MediaHub(const MediaHub&) = delete;
  MediaHub& operator=(const MediaHub&) = delete;

  // REQUIRES: called before the first Publish; `subscriber` outlives the hub.
  void AddSubscriber(StreamSubscriber* subscriber);

  // Decides whether a publish may start (e.g. its domain must be known); an
  // error refuses it with that status. REQUIRES: called before the first
  // Publish. Without a policy every publish is admitted.
  using AdmissionPolicy = std::function<absl::Status(const StreamInfo& info)>;
  void SetAdmissionPolicy(AdmissionPolicy policy);

  // Starts a publish of info.key. AlreadyExists when that key is live (the
  // live one keeps running); the admission policy's error when it refuses.
  // The Publication ends the publish when stopped or destroyed.
  absl::StatusOr<std::unique_ptr<Publication>> Publish(StreamInfo info);

  std::vector<LiveStream> ListLiveStreams() const;
  std::optional<LiveStream> FindLiveStream(const StreamKey& key) const;
  size_t live_count() const;

 private:
  friend class Publication;
  void Unregister(const StreamKey& key);

  const Clock& clock_;
  std::unique_ptr<internal::IngestCounters> counters_;
  std::vector<StreamSubscriber*> subscribers_;
  AdmissionPolicy admission_;
  mutable std::mutex mu_;
  std::map<StreamKey, Publication*> live_;  // guarded by mu_
};

}  // namespace livesnap::media
