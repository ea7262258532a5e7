// Fuzzes the MPEG-TS demuxer as an SRT connection drives it: bytes in the
// pieces the network delivers, into a real MediaHub publication, so that the
// PSI, PES and ADTS parsers, the parameter-set records and the NAL walk all
// see hostile input. The PES buffers take from a budget, which must be
// whole again once the demuxer is gone. Seeds: ffmpeg TS of H.264 + AAC and
// HEVC (corpus ts/).
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "base/clock.h"
#include "ingest/message_budget.h"
#include "media/hub.h"
#include "media/publication.h"
#include "srt/ts_demuxer.h"

using namespace livesnap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static prometheus::Registry* const metrics = [] {
    spdlog::set_level(spdlog::level::off);
    return new prometheus::Registry();
  }();
  media::MediaHub hub(SystemClock::Instance(), *metrics);
  media::StreamInfo info;
  info.key = {"a.com", "live", "fuzz"};
  auto publication = hub.Publish(info);
  if (!publication.ok()) return 0;
  ingest::MessageBudget budget(256 * 1024);
  {
    srt::TsDemuxer ts(publication->get(), &budget);
    // SRT live messages are 1316 bytes; a first odd piece tests the carry.
    size_t at = 0;
    while (at < size) {
      const size_t piece = std::min<size_t>(size - at, at == 0 ? 100 : 1316);
      if (!ts.OnBytes(std::span(data + at, piece)).ok()) break;
      at += piece;
    }
    if (ts.held_bytes() != budget.used_bytes()) std::abort();
  }
  if (budget.used_bytes() != 0) std::abort();
  return 0;
}
