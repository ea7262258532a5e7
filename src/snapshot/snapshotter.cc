#include "snapshot/snapshotter.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "base/status.h"
#include "snapshot/capture_queue.h"
#include "snapshot/frame_capturer.h"
#include "snapshot/internal/capture_job.h"
#include "snapshot/internal/latest_images.h"
#include "snapshot/internal/snapshot_writer.h"
#include "snapshot/scheduler.h"

namespace livesnap::snapshot {

namespace {

using internal::CaptureJob;
using internal::StreamBinding;

struct PipelineCounters {
  explicit PipelineCounters(prometheus::Registry& registry) {
    auto& snapshots = prometheus::BuildCounter()
                          .Name("livesnap_snapshots_total")
                          .Help("Snapshot objects, by result")
                          .Register(registry);
    stored = &snapshots.Add({{"result", "stored"}});
    store_failed = &snapshots.Add({{"result", "store_failed"}});
    auto& captures = prometheus::BuildCounter()
                         .Name("livesnap_captures_total")
                         .Help("Keyframe captures (decode + encode), by result")
                         .Register(registry);
    captured = &captures.Add({{"result", "ok"}});
    capture_failed = &captures.Add({{"result", "failed"}});
    auto& skipped = prometheus::BuildCounter()
                        .Name("livesnap_snapshots_skipped_total")
                        .Help("Snapshot work skipped because the workers fell behind, by kind")
                        .Register(registry);
    overwrite_coalesced = &skipped.Add({{"kind", "overwrite_coalesced"}});
    sequence_dropped = &skipped.Add({{"kind", "sequence_dropped"}});
    queue_depth = &prometheus::BuildGauge()
                       .Name("livesnap_capture_queue_depth")
                       .Help("Capture jobs waiting for a worker")
                       .Register(registry)
                       .Add({});
    bound_streams = &prometheus::BuildGauge()
                         .Name("livesnap_snapshot_streams")
                         .Help("Live streams bound to a snapshot template")
                         .Register(registry)
                         .Add({});
    latency = &prometheus::BuildHistogram()
                   .Name("livesnap_snapshot_latency_seconds")
                   .Help("Keyframe arrival to stored snapshot")
                   .Register(registry)
                   .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25,
                                                                    0.5, 1, 2.5, 5, 10});
  }
  prometheus::Counter* stored;
  prometheus::Counter* store_failed;
  prometheus::Counter* captured;
  prometheus::Counter* capture_failed;
  prometheus::Counter* overwrite_coalesced;
  prometheus::Counter* sequence_dropped;
  prometheus::Gauge* queue_depth;
  prometheus::Gauge* bound_streams;
  prometheus::Histogram* latency;
};

// One stream's view of the pipeline, on its ingest thread.
class SnapshotSink final : public media::StreamSink {
 public:
  SnapshotSink(std::shared_ptr<StreamBinding> binding, CaptureQueue<CaptureJob>& queue,
               internal::LatestImages& latest, PipelineCounters& counters, const Clock& clock)
      : binding_(std::move(binding)),
        queue_(queue),
        latest_(latest),
        counters_(counters),
        clock_(clock),
        scheduler_(int64_t{binding_->tmpl.interval_s} * 1000) {
    counters_.bound_streams->Increment();
  }

  void OnVideoConfig(std::shared_ptr<const media::VideoConfig> config) override {
    config_ = std::move(config);
  }

  void OnVideoFrame(const media::VideoFrame& frame) override {
    if (config_ == nullptr) return;  // nothing is decodable before the sequence header
    const int64_t failed = binding_->failed_capture_dts_ms.exchange(-1, std::memory_order_relaxed);
    if (failed >= 0) scheduler_.OnCaptureFailed(failed);
    if (!scheduler_.OnFrame(frame.dts_ms, frame.keyframe)) return;

    CaptureJob job;
    job.lane = binding_.get();
    job.binding = binding_;
    job.config = config_;
    job.keyframe.assign(frame.data.begin(), frame.data.end());
    job.dts_ms = frame.dts_ms;
    job.arrival_unix_ms = clock_.UnixMs();
    job.arrival_mono_ms = clock_.MonotonicMs();
    job.overwrite = !binding_->tmpl.overwrite_pattern.empty();
    job.sequence = !binding_->tmpl.sequence_pattern.empty();
    PushResult pushed = queue_.Push(std::move(job));
    counters_.queue_depth->Set(static_cast<double>(queue_.size()));
    counters_.overwrite_coalesced->Increment(pushed.overwrites_coalesced);
    if (pushed.sequence_dropped > 0) {
      counters_.sequence_dropped->Increment(pushed.sequence_dropped);
      spdlog::error("{} capture workers are behind: {} sequence snapshot(s) dropped", binding_->tag,
                    pushed.sequence_dropped);
    }
  }

  void OnStop(media::StopReason, const media::StreamStats&) override {
    latest_.Close(binding_->key, binding_->publish_id);
    counters_.bound_streams->Decrement();
  }

 private:
  std::shared_ptr<StreamBinding> binding_;
  CaptureQueue<CaptureJob>& queue_;
  internal::LatestImages& latest_;
  PipelineCounters& counters_;
  const Clock& clock_;
  SnapshotScheduler scheduler_;
  std::shared_ptr<const media::VideoConfig> config_;
};

class SnapshotterImpl final : public Snapshotter {
 public:
  SnapshotterImpl(SnapshotterOptions options, catalog::Catalog& catalog, StoreMap stores,
                  notify::Notifier* notifier, prometheus::Registry& metrics, const Clock& clock)
      : options_(options),
        catalog_(catalog),
        stores_(std::move(stores)),
        clock_(clock),
        counters_(metrics),
        queue_(options.max_pending_per_stream),
        writer_(catalog, notifier, options.store_attempts) {}

  ~SnapshotterImpl() override { Stop(); }

  absl::Status StartWorkers() {
    for (int i = 0; i < options_.workers; ++i) {
      absl::StatusOr<std::unique_ptr<FrameCapturer>> capturer = FrameCapturer::Create();
      if (!capturer.ok()) return Annotate(capturer.status(), "create frame capturer");
      workers_.emplace_back([this, c = *std::move(capturer)] {
        // Named so that top -H and the benchmarks can tell capture CPU apart.
        pthread_setname_np(pthread_self(), "ls-capture");
        WorkerLoop(*c);
      });
    }
    return absl::OkStatus();
  }

  std::unique_ptr<media::StreamSink> OnPublishStart(const media::StreamInfo& info) override {
    const std::string tag = "[" + info.key.ToString() + "]";
    absl::StatusOr<std::optional<catalog::SnapshotTemplate>> tmpl =
        catalog_.ResolveTemplate(info.key.domain, info.key.app);
    if (!tmpl.ok()) {
      spdlog::error("{} no snapshots: template lookup failed: {}", tag, tmpl.status().ToString());
      return nullptr;
    }
    if (!tmpl->has_value()) {
      spdlog::info("{} no snapshot template for app \"{}\"", tag, info.key.app);
      return nullptr;
    }
    auto binding = std::make_shared<StreamBinding>();
    binding->key = info.key;
    binding->publish_id = next_publish_id_.fetch_add(1, std::memory_order_relaxed);
    binding->tag = tag;
    binding->tmpl = **tmpl;
    auto store = stores_.find(binding->tmpl.bucket);
    if (store == stores_.end()) {
      spdlog::error("{} no snapshots: storage location \"{}\" is not configured on this node", tag,
                    binding->tmpl.bucket);
      return nullptr;
    }
    binding->store = store->second;
    if (auto notify = catalog_.GetNotifyConfig(info.key.domain); notify.ok()) {
      binding->notify = *notify;
    }
    spdlog::info("{} snapshots every {} s to {} (template {}/{}{}{})", tag,
                 binding->tmpl.interval_s, binding->tmpl.bucket, binding->tmpl.domain,
                 binding->tmpl.app, binding->tmpl.overwrite_pattern.empty() ? "" : ", overwrite",
                 binding->tmpl.sequence_pattern.empty() ? "" : ", sequence");
    latest_.Open(binding->key, binding->publish_id);
    return std::make_unique<SnapshotSink>(std::move(binding), queue_, latest_, counters_, clock_);
  }

  std::optional<LatestImage> Latest(const media::StreamKey& key) const override {
    return latest_.Get(key);
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    queue_.Close();
    for (std::thread& worker : workers_) worker.join();
    workers_.clear();
  }

 private:
  void WorkerLoop(FrameCapturer& capturer) {
    while (std::optional<CaptureJob> job = queue_.Pop()) {
      counters_.queue_depth->Set(static_cast<double>(queue_.size()));
      Process(capturer, *job);
      queue_.Done(job->lane);
    }
  }

  void Process(FrameCapturer& capturer, const CaptureJob& job) {
    CaptureOptions options;
    options.quality = options_.jpeg_quality;
    options.width = job.binding->tmpl.width;
    options.height = job.binding->tmpl.height;
    absl::StatusOr<CapturedImage> image = capturer.Capture(*job.config, job.keyframe, options);
    if (!image.ok()) {
      counters_.capture_failed->Increment();
      job.binding->failed_capture_dts_ms.store(job.dts_ms, std::memory_order_relaxed);
      spdlog::warn("{} keyframe at {} ms gave no image, trying the next one: {}", job.binding->tag,
                   job.dts_ms, image.status().ToString());
      return;
    }
    counters_.captured->Increment();
    latest_.Update(job.binding->key, job.binding->publish_id,
                   LatestImage{std::make_shared<const std::vector<uint8_t>>(image->jpeg),
                               image->width, image->height, job.arrival_unix_ms});
    internal::WriteOutcome outcome = writer_.Write(job, *image);
    counters_.stored->Increment(outcome.objects_stored);
    counters_.store_failed->Increment(outcome.objects_failed);
    counters_.latency->Observe(static_cast<double>(clock_.MonotonicMs() - job.arrival_mono_ms) /
                               1000.0);
  }

  const SnapshotterOptions options_;
  catalog::Catalog& catalog_;
  const StoreMap stores_;
  const Clock& clock_;
  PipelineCounters counters_;
  CaptureQueue<CaptureJob> queue_;
  internal::LatestImages latest_;
  internal::SnapshotWriter writer_;
  std::atomic<uint64_t> next_publish_id_{1};
  std::vector<std::thread> workers_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

absl::StatusOr<std::unique_ptr<Snapshotter>> Snapshotter::Create(
    SnapshotterOptions options, catalog::Catalog& catalog, StoreMap stores,
    notify::Notifier* notifier, prometheus::Registry& metrics, const Clock& clock) {
  if (options.workers < 1 || options.workers > 256) {
    return absl::InvalidArgumentError("snapshot workers " + std::to_string(options.workers) +
                                      " is not 1..256");
  }
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    return absl::InvalidArgumentError("JPEG quality " + std::to_string(options.jpeg_quality) +
                                      " is not 1..100");
  }
  if (options.max_pending_per_stream < 1 || options.store_attempts < 1) {
    return absl::InvalidArgumentError(
        "max_pending_per_stream and store_attempts must be at least 1");
  }
  auto snapshotter = std::make_unique<SnapshotterImpl>(options, catalog, std::move(stores),
                                                       notifier, metrics, clock);
  LS_RETURN_IF_ERROR(snapshotter->StartWorkers(), "snapshot workers");
  return snapshotter;
}

}  // namespace livesnap::snapshot
