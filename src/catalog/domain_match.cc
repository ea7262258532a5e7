#include "catalog/domain_match.h"

#include <algorithm>

namespace livesnap::catalog {

namespace {

bool IsIpv4Like(std::string_view host) {
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

bool IsWildcardDomain(std::string_view name) { return name.starts_with('.'); }

std::vector<std::string> ServingDomainCandidates(std::string_view host) {
  std::vector<std::string> candidates;
  if (host.empty() || IsWildcardDomain(host)) return candidates;
  candidates.emplace_back(host);
  if (IsIpv4Like(host)) return candidates;
  // Each dot that has two labels after it starts a wildcard: the first dot
  // gives the longest one.
  for (size_t dot = host.find('.'); dot != std::string_view::npos; dot = host.find('.', dot + 1)) {
    const std::string_view wildcard = host.substr(dot);
    if (wildcard.find('.', 1) == std::string_view::npos) break;  // ".com": one label
    candidates.emplace_back(wildcard);
  }
  return candidates;
}

}  // namespace livesnap::catalog
