#include "catalog/domain_match.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace livesnap::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(DomainMatchTest, ExactNameFirstThenWildcardsLongestFirst) {
  EXPECT_THAT(ServingDomainCandidates("b.c.example.com"),
              ElementsAre("b.c.example.com", ".c.example.com", ".example.com"));
  EXPECT_THAT(ServingDomainCandidates("a.example.com"),
              ElementsAre("a.example.com", ".example.com"));
}

TEST(DomainMatchTest, AWildcardNeverCoversItsOwnApexNorATopLevelLabel) {
  // ".example.com" serves a.example.com, not example.com; ".com" is no wildcard.
  EXPECT_THAT(ServingDomainCandidates("example.com"), ElementsAre("example.com"));
  EXPECT_THAT(ServingDomainCandidates("localhost"), ElementsAre("localhost"));
}

TEST(DomainMatchTest, AddressesAndNonHostsHaveNoWildcards) {
  EXPECT_THAT(ServingDomainCandidates("127.0.0.1"), ElementsAre("127.0.0.1"));
  EXPECT_THAT(ServingDomainCandidates(""), IsEmpty());
  // A push naming ".example.com" names no host: it must not take the wildcard's place.
  EXPECT_THAT(ServingDomainCandidates(".example.com"), IsEmpty());
}

TEST(DomainMatchTest, OnlyALeadingDotMakesAWildcard) {
  EXPECT_TRUE(IsWildcardDomain(".example.com"));
  EXPECT_FALSE(IsWildcardDomain("example.com"));
  EXPECT_FALSE(IsWildcardDomain(""));
}

}  // namespace
}  // namespace livesnap::catalog
