// File: catalog/domain_match.h
//
// Which registered streaming domain serves a push's host. A domain name
// beginning with "." is a wildcard (ApsaraVideo Live's AddLiveDomain takes
// ".example.com"): it serves every subdomain of the rest (a.example.com,
// b.c.example.com), not the rest itself (example.com). An exact domain wins
// over a wildcard, and a longer wildcard over a shorter one, so the names to
// try, in order, are the host itself and then each wildcard above it:
//
//   ServingDomainCandidates("b.c.example.com")
//     -> {"b.c.example.com", ".c.example.com", ".example.com"}
//
// A wildcard needs two labels after its dot (".example.com", not ".com"), so
// a top-level label is never a candidate; neither is a wildcard above an
// IPv4 address. A host that is itself empty or begins with "." (it names no
// host) has no candidates.
//
//   for (const std::string& name : ServingDomainCandidates(host)) {
//     if (auto it = domains.find(name); it != domains.end()) return it->second;
//   }
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace livesnap::catalog {

// Whether `name` is a wildcard domain name (begins with ".").
bool IsWildcardDomain(std::string_view name);

// The domain names that may serve a push to `host`, best first.
std::vector<std::string> ServingDomainCandidates(std::string_view host);

}  // namespace livesnap::catalog
