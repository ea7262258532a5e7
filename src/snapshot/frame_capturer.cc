#include "snapshot/frame_capturer.h"

#include <string>

#include "base/status.h"
#include "snapshot/internal/av_log.h"
#include "snapshot/internal/jpeg_encoder.h"
#include "snapshot/internal/keyframe_decoder.h"
#include "snapshot/internal/picture_converter.h"

namespace livesnap::snapshot {

absl::StatusOr<std::unique_ptr<FrameCapturer>> FrameCapturer::Create() {
  internal::RouteAvLogToSpdlog();
  LS_ASSIGN_OR_RETURN(std::unique_ptr<internal::JpegEncoder> encoder,
                      internal::JpegEncoder::Create(), "JPEG encoder");
  return std::unique_ptr<FrameCapturer>(
      new FrameCapturer(std::make_unique<internal::KeyframeDecoder>(),
                        std::make_unique<internal::PictureConverter>(), std::move(encoder)));
}

FrameCapturer::FrameCapturer(std::unique_ptr<internal::KeyframeDecoder> decoder,
                             std::unique_ptr<internal::PictureConverter> converter,
                             std::unique_ptr<internal::JpegEncoder> encoder)
    : decoder_(std::move(decoder)),
      converter_(std::move(converter)),
      encoder_(std::move(encoder)) {}

FrameCapturer::~FrameCapturer() = default;

int64_t FrameCapturer::decoder_opens() const { return decoder_->opens(); }

absl::StatusOr<CapturedImage> FrameCapturer::Capture(const media::VideoConfig& config,
                                                     std::span<const uint8_t> keyframe,
                                                     const CaptureOptions& options) {
  if (options.quality < 1 || options.quality > 100) {
    return absl::InvalidArgumentError("JPEG quality " + std::to_string(options.quality) +
                                      " is not 1..100");
  }
  const std::string codec(media::VideoCodecName(config.codec));
  LS_ASSIGN_OR_RETURN(internal::FramePtr picture, decoder_->Decode(config, keyframe),
                      "decode " + codec + " keyframe");
  LS_ASSIGN_OR_RETURN(
      const internal::PictureSize size,
      internal::OutputSize({picture->width, picture->height}, options.width, options.height),
      "output size");
  LS_ASSIGN_OR_RETURN(const internal::YuvPlanes planes, converter_->Convert(*picture, size),
                      "convert the picture");
  CapturedImage image;
  LS_ASSIGN_OR_RETURN(image.jpeg, encoder_->Encode(planes, options.quality), "compress JPEG");
  image.width = planes.width;
  image.height = planes.height;
  return image;
}

}  // namespace livesnap::snapshot
