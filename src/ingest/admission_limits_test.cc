#include "ingest/admission_limits.h"

#include <gtest/gtest.h>

#include <vector>

namespace livesnap::ingest {
namespace {

asio::ip::address Ip(const char* text) { return asio::ip::make_address(text); }

TEST(AdmissionLimitsTest, ConnectionsPerSourceAreCappedAndOthersStillGetIn) {
  FakeClock clock;
  AdmissionLimits limits({.max_connections = 100, .max_connections_per_ip = 3}, clock);
  std::vector<std::unique_ptr<AdmissionTicket>> held;
  for (int i = 0; i < 3; ++i) {
    Admission a = limits.Admit(Ip("10.0.0.1"));
    ASSERT_TRUE(a.ticket);
    a.ticket->HandshakeDone();
    held.push_back(std::move(a.ticket));
  }
  Admission refused = limits.Admit(Ip("10.0.0.1"));
  EXPECT_FALSE(refused.ticket);
  EXPECT_EQ(refused.refused, Limit::kConnectionsPerIp);
  EXPECT_EQ(refused.count, 3);
  EXPECT_EQ(LimitName(refused.refused), "max_connections_per_ip");
  EXPECT_TRUE(limits.Admit(Ip("10.0.0.2")).ticket);  // another source
  held.pop_back();                                   // a slot comes back on close
  EXPECT_TRUE(limits.Admit(Ip("10.0.0.1")).ticket);
}

TEST(AdmissionLimitsTest, HandshakesInFlightAreCappedUntilDone) {
  FakeClock clock;
  AdmissionLimits limits({.max_connections = 100, .max_handshakes_in_flight = 2}, clock);
  Admission a = limits.Admit(Ip("10.0.0.1"));
  Admission b = limits.Admit(Ip("10.0.0.2"));
  ASSERT_TRUE(a.ticket && b.ticket);
  Admission c = limits.Admit(Ip("10.0.0.3"));
  EXPECT_EQ(c.refused, Limit::kHandshakesInFlight);
  a.ticket->HandshakeDone();
  a.ticket->HandshakeDone();  // idempotent
  EXPECT_EQ(limits.handshakes_in_flight(), 1);
  EXPECT_TRUE(limits.Admit(Ip("10.0.0.3")).ticket);
  b.ticket.reset();  // closing mid-handshake frees its slot too
  EXPECT_EQ(limits.handshakes_in_flight(), 0);
  EXPECT_EQ(limits.connections(), 1);
}

TEST(AdmissionLimitsTest, MaxConnectionsInAll) {
  FakeClock clock;
  AdmissionLimits limits({.max_connections = 2}, clock);
  Admission a = limits.Admit(Ip("10.0.0.1"));
  Admission b = limits.Admit(Ip("10.0.0.2"));
  EXPECT_EQ(limits.Admit(Ip("10.0.0.3")).refused, Limit::kMaxConnections);
}

TEST(AdmissionLimitsTest, PublishesPerSourceFollowATokenBucket) {
  FakeClock clock;
  AdmissionLimits limits({.publishes_per_second_per_ip = 2}, clock);
  Admission a = limits.Admit(Ip("10.0.0.1"));
  Admission other = limits.Admit(Ip("10.0.0.2"));
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(a.ticket->TryPublish()) << i;  // 10 s of burst
  EXPECT_FALSE(a.ticket->TryPublish());
  EXPECT_TRUE(other.ticket->TryPublish());  // each source has its own bucket
  clock.AdvanceMs(500);
  EXPECT_TRUE(a.ticket->TryPublish());
  EXPECT_FALSE(a.ticket->TryPublish());
  // Reconnecting does not refill the bucket.
  a.ticket.reset();
  clock.AdvanceMs(2000);
  Admission again = limits.Admit(Ip("10.0.0.1"));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(again.ticket->TryPublish()) << i;
  EXPECT_FALSE(again.ticket->TryPublish());
}

TEST(AdmissionLimitsTest, IdleSourcesAreForgotten) {
  FakeClock clock;
  AdmissionLimits limits({.publishes_per_second_per_ip = 1}, clock);
  for (int i = 0; i < 50; ++i) {
    Admission a = limits.Admit(Ip(("10.0.1." + std::to_string(i)).c_str()));
    a.ticket->TryPublish();
  }
  EXPECT_EQ(limits.sources_tracked(), 50u);
  clock.AdvanceMs(11'000);  // every bucket full again
  Admission a = limits.Admit(Ip("10.0.2.1"));
  EXPECT_EQ(limits.sources_tracked(), 1u);
}

TEST(AdmissionLimitsTest, SourcesAreIpv4AddressesAndIpv6Slash64) {
  EXPECT_EQ(SourceOf(Ip("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(SourceOf(Ip("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(SourceOf(Ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(SourceOf(Ip("2001:db8:1:2::1")), SourceOf(Ip("2001:db8:1:2:ffff::9")));
}

}  // namespace
}  // namespace livesnap::ingest
