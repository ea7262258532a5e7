// Fuzzes the client-side Publisher on what a server sends back (the load
// generator meets servers it does not control): the handshake reply, then
// control messages and command answers; once publishing it sends a tag and
// unpublishes. Seeds: the answers the Session gave a real ffmpeg push
// (corpus publisher/), which a plain-handshake Publisher follows to
// NetStream.Publish.Start.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/publisher.h"

using namespace livesnap::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PublisherOptions options;
  options.host = "127.0.0.1";
  options.tc_url = "rtmp://127.0.0.1/live";
  options.app = "live";
  options.stream_name = "seed";
  options.handshake = HandshakeFlavor::kPlain;  // any S1 is then accepted
  options.limits.max_chunk_size = 1 << 16;
  options.limits.max_message_size = 1 << 20;
  Publisher publisher(options, [](std::span<uint8_t> bytes) {
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
  });
  std::vector<uint8_t> out;
  publisher.Start(out);
  const std::span<const uint8_t> input(data, size);
  const size_t split = std::min<size_t>(size, 3073 + (size > 0 ? data[size - 1] : 0));
  for (std::span<const uint8_t> piece : {input.first(split), input.subspan(split)}) {
    out.clear();
    if (!publisher.OnBytes(piece, out).ok()) return 0;
  }
  if (publisher.publishing()) {
    const uint8_t tag[] = {0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65};
    if (!publisher.SendTag(kVideo, 40, tag, out).ok() || !publisher.Unpublish(out).ok()) {
      std::abort();
    }
  }
  return 0;
}
