#include "tests/support/prometheus_text.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace livesnap::testing {
namespace {

// The line without its node_id label (livesnapd labels every sample with
// its cluster node id): name{a="1",node_id="n"} -> name{a="1"}, and
// name{node_id="n"} -> name.
std::string WithoutNodeId(std::string line) {
  const size_t at = line.find("node_id=\"");
  if (at == std::string::npos) return line;
  const size_t end = line.find('"', at + 9);
  if (end == std::string::npos) return line;
  if (at > 0 && line[at - 1] == ',') return line.erase(at - 1, end + 1 - (at - 1));
  if (at > 0 && line[at - 1] == '{' && end + 1 < line.size() && line[end + 1] == '}') {
    return line.erase(at - 1, end + 2 - (at - 1));
  }
  if (end + 1 < line.size() && line[end + 1] == ',') return line.erase(at, end + 2 - at);
  return line;
}

}  // namespace

double MetricValue(const std::string& text, const std::string& sample) {
  for (absl::string_view served : absl::StrSplit(text, '\n')) {
    const std::string stripped = WithoutNodeId(std::string(served));
    absl::string_view line = stripped;
    if (!absl::ConsumePrefix(&line, sample + " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return -1;
}

}  // namespace livesnap::testing
