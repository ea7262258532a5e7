#include "snapshot/snapshotter.h"

#include <malloc.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/log_limiter.h"
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
    auto& captures = prometheus::BuildCounter()
                         .Name("livesnap_captures_total")
                         .Help("Keyframe captures (decode + encode), by result")
                         .Register(registry);
    captured = &captures.Add({{"result", "ok"}});
    capture_failed = &captures.Add({{"result", "failed"}});
    auto& jobs = prometheus::BuildCounter()
                     .Name("livesnap_capture_jobs_total")
                     .Help("Capture jobs queued, and those finished (captured, failed or dropped)")
                     .Register(registry);
    jobs_queued = &jobs.Add({{"event", "queued"}});
    jobs_finished = &jobs.Add({{"event", "finished"}});
    queue_depth = &prometheus::BuildGauge()
                       .Name("livesnap_capture_queue_depth")
                       .Help("Capture jobs waiting for a worker")
                       .Register(registry)
                       .Add({});
    queue_bytes = &prometheus::BuildGauge()
                       .Name("livesnap_capture_queue_bytes")
                       .Help("Bytes of keyframes waiting for a worker")
                       .Register(registry)
                       .Add({});
    bound_streams = &prometheus::BuildGauge()
                         .Name("livesnap_snapshot_streams")
                         .Help("Live streams bound to a snapshot template")
                         .Register(registry)
                         .Add({});
  }
  prometheus::Counter* captured;
  prometheus::Counter* capture_failed;
  // A job is finished once its snapshots are handed on (uploads and catalog
  // work queued) or it is dropped; after a stream's last keyframe, queued ==
  // finished says its captures are done. Queued is counted first, so
  // finished never passes it.
  prometheus::Counter* jobs_queued;
  prometheus::Counter* jobs_finished;
  prometheus::Gauge* queue_depth;
  prometheus::Gauge* queue_bytes;
  prometheus::Gauge* bound_streams;
};

// " (N similar lines not logged)" after a rate-limited line, when N > 0.
std::string LeftOut(uint64_t lines) {
  return lines == 0 ? "" : absl::StrCat(" (", lines, " similar lines not logged)");
}

// A capture queue that held this much and drained is followed by malloc_trim.
constexpr size_t kTrimAfterBytes = size_t{16} << 20;

// One stream's view of the pipeline, on its ingest thread.
class SnapshotSink final : public media::StreamSink {
 public:
  SnapshotSink(std::shared_ptr<StreamBinding> binding, CaptureQueue<CaptureJob>& queue,
               internal::LatestImages& latest, PipelineCounters& counters,
               SnapshotRecorder& recorder, const Clock& clock, LogLimiter& drop_log)
      : binding_(std::move(binding)),
        queue_(queue),
        latest_(latest),
        counters_(counters),
        recorder_(recorder),
        clock_(clock),
        drop_log_(drop_log),
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
    job.overwrite = !binding_->tmpl.overwrite_pattern.empty();
    job.sequence = !binding_->tmpl.sequence_pattern.empty();
    counters_.jobs_queued->Increment();
    PushResult pushed = queue_.Push(std::move(job));
    counters_.jobs_finished->Increment(
        static_cast<double>(pushed.jobs_dropped + pushed.budget_dropped + (pushed.queued ? 0 : 1)));
    counters_.queue_depth->Set(static_cast<double>(queue_.size()));
    counters_.queue_bytes->Set(static_cast<double>(queue_.bytes()));
    recorder_.CountOverwritesCoalesced(pushed.overwrites_coalesced);
    // When the workers fall behind, every stream drops: a few lines a
    // minute say so (each drop is counted in the metrics).
    uint64_t lines_left_out = 0;
    if (pushed.sequence_dropped > 0) {
      recorder_.CountSequenceDropped(pushed.sequence_dropped);
      if (drop_log_.Allow("lane", lines_left_out)) {
        spdlog::error("{} capture workers are behind: {} sequence snapshot(s) dropped{}",
                      binding_->tag, pushed.sequence_dropped, LeftOut(lines_left_out));
      }
    }
    if (pushed.budget_sequence_dropped > 0) {
      recorder_.CountSequenceDropped(pushed.budget_sequence_dropped);
      if (drop_log_.Allow("budget", lines_left_out)) {
        spdlog::error(
            "capture workers are behind and the queued keyframes reached the queue's memory "
            "budget: {} sequence snapshot(s) of the longest queues dropped{}",
            pushed.budget_sequence_dropped, LeftOut(lines_left_out));
      }
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
  SnapshotRecorder& recorder_;
  const Clock& clock_;
  LogLimiter& drop_log_;
  SnapshotScheduler scheduler_;
  std::shared_ptr<const media::VideoConfig> config_;
};

class SnapshotterImpl final : public Snapshotter {
 public:
  SnapshotterImpl(SnapshotterOptions options, const TemplateCache& templates,
                  CatalogBacklog& backlog, UploaderMap uploaders, SnapshotRecorder& recorder,
                  prometheus::Registry& metrics, const Clock& clock)
      : options_(options),
        templates_(templates),
        uploaders_(std::move(uploaders)),
        recorder_(recorder),
        clock_(clock),
        counters_(metrics),
        drop_log_(clock),
        queue_(options.max_pending_per_stream, options.max_pending_bytes),
        writer_(backlog, recorder) {}

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
    std::optional<BoundTemplate> bound = templates_.Resolve(info.key.domain, info.key.app);
    if (!bound) {
      spdlog::info("{} no snapshot template for app \"{}\"", tag, info.key.app);
      return nullptr;
    }
    auto uploader = uploaders_.find(bound->tmpl.bucket);
    if (uploader == uploaders_.end()) {
      spdlog::error("{} no snapshots: storage location \"{}\" is not configured on this node", tag,
                    bound->tmpl.bucket);
      return nullptr;
    }
    auto binding = std::make_shared<StreamBinding>();
    binding->key = info.key;
    binding->publish_id = next_publish_id_.fetch_add(1, std::memory_order_relaxed);
    binding->tag = tag;
    binding->tmpl = std::move(bound->tmpl);
    binding->notify = std::move(bound->notify);
    if (bound->callback_auth.req_auth) binding->callback_auth_key = bound->callback_auth.auth_key;
    binding->uploader = uploader->second;
    spdlog::info("{} snapshots every {} s to {} (template {}/{}{}{})", tag,
                 binding->tmpl.interval_s, binding->tmpl.bucket, binding->tmpl.domain,
                 binding->tmpl.app, binding->tmpl.overwrite_pattern.empty() ? "" : ", overwrite",
                 binding->tmpl.sequence_pattern.empty() ? "" : ", sequence");
    latest_.Open(binding->key, binding->publish_id);
    return std::make_unique<SnapshotSink>(std::move(binding), queue_, latest_, counters_, recorder_,
                                          clock_, drop_log_);
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
      counters_.jobs_finished->Increment();
      counters_.queue_bytes->Set(static_cast<double>(queue_.bytes()));
      if (queue_.DrainedAfterHolding(kTrimAfterBytes)) {
        // The keyframes that waited were freed in many pieces that malloc
        // keeps in its arenas: give them back to the system.
        spdlog::info("capture workers caught up");
        malloc_trim(0);
      }
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
    writer_.Write(job, *std::move(image));
  }

  const SnapshotterOptions options_;
  const TemplateCache& templates_;
  const UploaderMap uploaders_;
  SnapshotRecorder& recorder_;
  const Clock& clock_;
  PipelineCounters counters_;
  LogLimiter drop_log_;  // the lines of dropped captures, all streams together
  CaptureQueue<CaptureJob> queue_;
  internal::LatestImages latest_;
  internal::SnapshotWriter writer_;
  std::atomic<uint64_t> next_publish_id_{1};
  std::vector<std::thread> workers_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

absl::StatusOr<std::unique_ptr<Snapshotter>> Snapshotter::Create(
    SnapshotterOptions options, const TemplateCache& templates, CatalogBacklog& backlog,
    UploaderMap uploaders, SnapshotRecorder& recorder, prometheus::Registry& metrics,
    const Clock& clock) {
  if (options.workers < 1 || options.workers > 256) {
    return absl::InvalidArgumentError("snapshot workers " + std::to_string(options.workers) +
                                      " is not 1..256");
  }
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    return absl::InvalidArgumentError("JPEG quality " + std::to_string(options.jpeg_quality) +
                                      " is not 1..100");
  }
  if (options.max_pending_per_stream < 1) {
    return absl::InvalidArgumentError("max_pending_per_stream must be at least 1");
  }
  if (options.max_pending_bytes < (size_t{1} << 20)) {
    return absl::InvalidArgumentError("max_pending_bytes must be at least 1 MiB");
  }
  auto snapshotter = std::make_unique<SnapshotterImpl>(
      options, templates, backlog, std::move(uploaders), recorder, metrics, clock);
  LS_RETURN_IF_ERROR(snapshotter->StartWorkers(), "snapshot workers");
  return snapshotter;
}

}  // namespace livesnap::snapshot
