#include "storage/internal/s3_xml.h"

#include <expat.h>

#include <functional>
#include <limits>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace livesnap::storage::internal {
namespace {

// S3 documents are three or four levels deep; anything much deeper is not one.
constexpr size_t kMaxDepth = 16;

struct ParserDeleter {
  void operator()(XML_ParserStruct* parser) const { XML_ParserFree(parser); }
};
using Parser = std::unique_ptr<XML_ParserStruct, ParserDeleter>;

// Calls `on_end(path, text)` at every end tag, `path` being the element names
// from the root ("ListBucketResult/Contents/Key") and `text` the element's
// own character data.
using EndHandler = std::function<void(const std::string& path, const std::string& text)>;

class Walker {
 public:
  explicit Walker(EndHandler on_end) : on_end_(std::move(on_end)) {}

  absl::Status Walk(std::string_view xml) {
    Parser parser(XML_ParserCreate(nullptr));
    if (parser == nullptr) return absl::ResourceExhaustedError("XML_ParserCreate failed");
    parser_ = parser.get();
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &Walker::Start, &Walker::End);
    XML_SetCharacterDataHandler(parser_, &Walker::Text);
    // S3 never sends a DTD; refusing one rules out entity tricks entirely.
    XML_SetStartDoctypeDeclHandler(parser_, &Walker::Doctype);
    if (xml.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
      return absl::InvalidArgumentError("XML document too large");
    }
    if (XML_Parse(parser_, xml.data(), static_cast<int>(xml.size()), XML_TRUE) != XML_STATUS_OK) {
      if (!failure_.ok()) return failure_;
      return absl::InvalidArgumentError(absl::StrCat("malformed XML at line ",
                                                     XML_GetCurrentLineNumber(parser_), ": ",
                                                     XML_ErrorString(XML_GetErrorCode(parser_))));
    }
    return absl::OkStatus();
  }

  const std::string& root() const { return root_; }

 private:
  void Fail(absl::Status status) {
    failure_ = std::move(status);
    XML_StopParser(parser_, XML_FALSE);
  }

  static void XMLCALL Start(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
    auto* self = static_cast<Walker*>(data);
    if (self->names_.size() >= kMaxDepth) {
      self->Fail(absl::InvalidArgumentError(
          absl::StrCat("XML nested deeper than ", kMaxDepth, " elements")));
      return;
    }
    if (self->names_.empty()) self->root_ = name;
    self->names_.emplace_back(name);
    self->texts_.emplace_back();
  }

  static void XMLCALL End(void* data, const XML_Char* /*name*/) {
    auto* self = static_cast<Walker*>(data);
    self->on_end_(absl::StrJoin(self->names_, "/"), self->texts_.back());
    self->names_.pop_back();
    self->texts_.pop_back();
  }

  static void XMLCALL Text(void* data, const XML_Char* text, int length) {
    auto* self = static_cast<Walker*>(data);
    if (!self->texts_.empty()) self->texts_.back().append(text, static_cast<size_t>(length));
  }

  static void XMLCALL Doctype(void* data, const XML_Char* /*name*/, const XML_Char* /*sysid*/,
                              const XML_Char* /*pubid*/, int /*has_internal_subset*/) {
    static_cast<Walker*>(data)->Fail(absl::InvalidArgumentError("XML with a DOCTYPE refused"));
  }

  EndHandler on_end_;
  XML_Parser parser_ = nullptr;
  absl::Status failure_;
  std::string root_;
  std::vector<std::string> names_;
  std::vector<std::string> texts_;
};

}  // namespace

absl::StatusOr<int64_t> ParseIso8601Ms(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d%ET%H:%M:%E*S%Ez", std::string(text), &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad ISO 8601 time \"", std::string(text), "\": ", error));
  }
  return absl::ToUnixMillis(time);
}

absl::StatusOr<ListPage> ParseListObjectsV2(std::string_view xml) {
  ListPage page;
  ObjectInfo current;
  absl::Status problem;
  Walker walker([&](const std::string& path, const std::string& text) {
    if (!problem.ok()) return;
    if (path == "ListBucketResult/Contents/Key") {
      current.key = text;
    } else if (path == "ListBucketResult/Contents/Size") {
      if (!absl::SimpleAtoi(text, &current.size_bytes) || current.size_bytes < 0) {
        problem = absl::InvalidArgumentError(absl::StrCat("bad object size \"", text, "\""));
      }
    } else if (path == "ListBucketResult/Contents/LastModified") {
      absl::StatusOr<int64_t> ms = ParseIso8601Ms(text);
      if (ms.ok()) {
        current.modified_unix_ms = *ms;
      } else {
        problem = ms.status();
      }
    } else if (path == "ListBucketResult/Contents") {
      if (current.key.empty()) {
        problem = absl::InvalidArgumentError("object entry without a key");
      }
      page.objects.push_back(std::move(current));
      current = ObjectInfo{};
    } else if (path == "ListBucketResult/IsTruncated") {
      page.truncated = text == "true";
    } else if (path == "ListBucketResult/NextContinuationToken") {
      page.next_token = text;
    }
  });
  if (absl::Status status = walker.Walk(xml); !status.ok()) return status;
  if (walker.root() != "ListBucketResult") {
    return absl::InvalidArgumentError(
        absl::StrCat("expected <ListBucketResult>, got <", walker.root(), ">"));
  }
  if (!problem.ok()) return problem;
  if (page.truncated && page.next_token.empty()) {
    return absl::InvalidArgumentError("truncated listing without a NextContinuationToken");
  }
  return page;
}

absl::StatusOr<S3ErrorBody> ParseS3Error(std::string_view xml) {
  S3ErrorBody error;
  Walker walker([&](const std::string& path, const std::string& text) {
    if (path == "Error/Code") {
      error.code = text;
    } else if (path == "Error/Message") {
      error.message = text;
    } else if (path == "Error/RequestId") {
      error.request_id = text;
    } else if (path == "Error/Endpoint") {
      error.endpoint = text;
    }
  });
  if (absl::Status status = walker.Walk(xml); !status.ok()) return status;
  if (walker.root() != "Error") {
    return absl::InvalidArgumentError(absl::StrCat("expected <Error>, got <", walker.root(), ">"));
  }
  return error;
}

}  // namespace livesnap::storage::internal
