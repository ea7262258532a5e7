#include "snapshot/internal/scaler_cache.h"

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include <string>

#include "snapshot/internal/av_log.h"

namespace livesnap::snapshot::internal {

absl::StatusOr<SwsContext*> ScalerCache::Get(const ScalerKey& key) {
  if (scaler_ != nullptr && key == key_) return scaler_.get();
  scaler_.reset();
  SwsContextPtr scaler(sws_alloc_context());
  if (scaler == nullptr) return absl::ResourceExhaustedError("allocate a libswscale context");
  const bool shrinking = key.dst_width < key.src_width || key.dst_height < key.src_height;
  const int64_t flags = shrinking ? SWS_AREA : SWS_BICUBIC;
  SwsContext* s = scaler.get();
  const bool options_ok = av_opt_set_int(s, "srcw", key.src_width, 0) >= 0 &&
                          av_opt_set_int(s, "srch", key.src_height, 0) >= 0 &&
                          av_opt_set_int(s, "src_format", key.src_format, 0) >= 0 &&
                          av_opt_set_int(s, "src_range", key.src_full_range ? 1 : 0, 0) >= 0 &&
                          av_opt_set_int(s, "dstw", key.dst_width, 0) >= 0 &&
                          av_opt_set_int(s, "dsth", key.dst_height, 0) >= 0 &&
                          av_opt_set_int(s, "dst_format", key.dst_format, 0) >= 0 &&
                          av_opt_set_int(s, "dst_range", 1, 0) >= 0 &&
                          av_opt_set_int(s, "sws_flags", flags, 0) >= 0;
  const std::string what =
      std::string(av_get_pix_fmt_name(static_cast<AVPixelFormat>(key.src_format))) + " " +
      std::to_string(key.src_width) + "x" + std::to_string(key.src_height) + " to " +
      av_get_pix_fmt_name(static_cast<AVPixelFormat>(key.dst_format)) + " " +
      std::to_string(key.dst_width) + "x" + std::to_string(key.dst_height);
  if (!options_ok) return absl::InternalError("set libswscale options for " + what);
  AvErrorCapture errors;
  if (const int ret = sws_init_context(s, nullptr, nullptr); ret < 0) {
    return absl::InternalError(
        errors.Explain("libswscale cannot convert " + what + ": " + AvErrorText(ret)));
  }
  scaler_ = std::move(scaler);
  key_ = key;
  ++inits_;
  return scaler_.get();
}

}  // namespace livesnap::snapshot::internal
