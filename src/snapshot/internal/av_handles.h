// File: snapshot/internal/av_handles.h
//
// Owning handles for the C objects of libavcodec, libswscale and TurboJPEG,
// so that every path out of the capture code frees what it allocated.
//
//   FramePtr frame(av_frame_alloc());
//   if (frame == nullptr) return absl::ResourceExhaustedError("av_frame_alloc");
//
// Thread-safety: plain owning pointers; one owner each.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <libswscale/swscale.h>
}
#include <turbojpeg.h>

#include <memory>

namespace livesnap::snapshot::internal {

struct CodecContextDeleter {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;

struct FrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;

struct PacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

struct SwsContextDeleter {
  void operator()(SwsContext* context) const { sws_freeContext(context); }
};
using SwsContextPtr = std::unique_ptr<SwsContext, SwsContextDeleter>;

// Memory from av_malloc (aligned the way libswscale wants it).
struct AvMemoryDeleter {
  void operator()(uint8_t* memory) const { av_free(memory); }
};
using AvMemoryPtr = std::unique_ptr<uint8_t, AvMemoryDeleter>;

// tjhandle is a void*.
struct TjHandleDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandlePtr = std::unique_ptr<void, TjHandleDeleter>;

// A buffer from tjAlloc (TurboJPEG may only write into its own allocations).
struct TjBufferDeleter {
  void operator()(unsigned char* buffer) const { tjFree(buffer); }
};
using TjBufferPtr = std::unique_ptr<unsigned char, TjBufferDeleter>;

}  // namespace livesnap::snapshot::internal
