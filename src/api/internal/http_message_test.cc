#include "api/internal/http_message.h"

#include <gtest/gtest.h>

namespace livesnap::api::internal {
namespace {

TEST(HttpMessageTest, DecodesEscapesAndPlusOnlyWhereAsked) {
  EXPECT_EQ(DecodeUrl("a%2Fb+c%20d", true), "a/b c d");
  EXPECT_EQ(DecodeUrl("a%2Fb+c", false), "a/b+c");
  // A malformed escape is kept as sent.
  EXPECT_EQ(DecodeUrl("100%", true), "100%");
  EXPECT_EQ(DecodeUrl("%zz%4", true), "%zz%4");
  EXPECT_EQ(DecodeUrl("%00x", true), std::string("\0x", 2));
}

TEST(HttpMessageTest, ParsesAQueryInOrder) {
  HttpFields fields;
  ParseQuery("Action=Describe&b=x+y&&flag&Action=again&e=%3D", fields);
  const HttpFields expected = {
      {"Action", "Describe"}, {"b", "x y"}, {"flag", ""}, {"Action", "again"}, {"e", "="}};
  EXPECT_EQ(fields, expected);
}

TEST(HttpMessageTest, HeadersAreFoundInAnyCase) {
  HttpRequest request;
  request.headers = {{"Content-Type", "text/plain"}, {"origin", "http://a"}};
  request.params = {{"Signature", "x"}};
  EXPECT_EQ(request.Header("content-type"), "text/plain");
  EXPECT_EQ(request.Header("Origin"), "http://a");
  EXPECT_EQ(request.Header("Referer"), "");
  EXPECT_TRUE(request.HasParam("Signature"));
  EXPECT_FALSE(request.HasParam("signature"));
  HttpResponse response;
  response.SetHeader("Cache-Control", "no-store");
  response.SetHeader("cache-control", "no-cache");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "no-cache");
  response.SetRedirect("/console/");
  EXPECT_EQ(response.status, 302);
}

}  // namespace
}  // namespace livesnap::api::internal
