// The report's totals and its JSON and text forms.
#include "tools/loadgen/report.h"

#include <gtest/gtest.h>

namespace livesnap::loadgen {
namespace {

LoadReport TwoStreams() {
  LoadReport report;
  report.url = "rtmp://127.0.0.1:1935/live";
  report.streams = 2;
  report.wall_s = 10;
  StreamReport ok;
  ok.index = 0;
  ok.name = "s0";
  ok.connected = ok.published = true;
  ok.bytes_sent = 2'500'000;
  ok.video_frames = 300;
  ok.keyframes = 5;
  ok.stalls = 2;
  ok.max_lag_ms = 700;
  StreamReport refused;
  refused.index = 1;
  refused.name = "s1";
  refused.connected = true;
  refused.bytes_sent = 3500;
  refused.error = "NetStream.Publish.BadName: already publishing";
  report.per_stream = {ok, refused};
  return report;
}

TEST(ReportTest, TotalsAddUpTheStreams) {
  LoadTotals t = Totals(TwoStreams());
  EXPECT_EQ(t.connected, 2);
  EXPECT_EQ(t.published, 1);
  EXPECT_EQ(t.failed, 1);
  EXPECT_EQ(t.bytes_sent, 2'503'500u);
  EXPECT_EQ(t.stalls, 2);
  EXPECT_EQ(t.streams_with_stalls, 1);
  EXPECT_EQ(t.max_lag_ms, 700);
  EXPECT_DOUBLE_EQ(t.send_mbit_s, 2'503'500 * 8 / 1e6 / 10);
}

TEST(ReportTest, JsonCarriesTotalsAndEveryStream) {
  nlohmann::json json = ReportJson(TwoStreams());
  EXPECT_EQ(json["totals"]["published"], 1);
  EXPECT_EQ(json["totals"]["failed"], 1);
  ASSERT_EQ(json["per_stream"].size(), 2u);
  EXPECT_EQ(json["per_stream"][0]["name"], "s0");
  EXPECT_EQ(json["per_stream"][0]["keyframes"], 5);
  EXPECT_EQ(json["per_stream"][1]["error"], "NetStream.Publish.BadName: already publishing");
}

TEST(ReportTest, TextHasTheTotalsAndALinePerStream) {
  const std::string text = ReportText(TwoStreams());
  EXPECT_NE(text.find("connected 2, publish accepted 1, failed 1"), std::string::npos) << text;
  EXPECT_NE(text.find("stalls 2 in 1 streams"), std::string::npos) << text;
  EXPECT_NE(text.find("  s1 "), std::string::npos);
  EXPECT_NE(text.find("NetStream.Publish.BadName"), std::string::npos);
}

}  // namespace
}  // namespace livesnap::loadgen
