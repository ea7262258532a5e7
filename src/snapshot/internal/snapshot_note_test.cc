#include "snapshot/internal/snapshot_note.h"

#include <gtest/gtest.h>

namespace livesnap::snapshot::internal {
namespace {

SnapshotNote MakeNote() {
  SnapshotNote note;
  note.record = {.domain = "push.example.com",
                 .app = "live",
                 .stream = "cam\"1",
                 .endpoint = "s3.local",
                 .bucket = "snaps",
                 .object_key = "live/cam1/7.jpg",
                 .overlay = false,
                 .sequence = 7,
                 .capture_ms = 1'764'028'800'123,
                 .size_bytes = 5'000'000'000,
                 .width = 1280,
                 .height = 720};
  note.callback_url = "http://hooks.example.com/cb";
  return note;
}

TEST(SnapshotNoteTest, RoundTripsEveryField) {
  SnapshotNote note = MakeNote();
  for (bool with_notify : {false, true}) {
    if (with_notify)
      note.notify = catalog::NotifyConfig{"push.example.com", "http://n/", true, "k"};
    absl::StatusOr<SnapshotNote> back = DecodeSnapshotNote(EncodeSnapshotNote(note));
    ASSERT_TRUE(back.ok()) << back.status();
    const catalog::SnapshotRecord& r = back->record;
    EXPECT_EQ(r.domain, note.record.domain);
    EXPECT_EQ(r.app, note.record.app);
    EXPECT_EQ(r.stream, note.record.stream);
    EXPECT_EQ(r.endpoint, note.record.endpoint);
    EXPECT_EQ(r.bucket, note.record.bucket);
    EXPECT_EQ(r.object_key, note.record.object_key);
    EXPECT_EQ(r.overlay, note.record.overlay);
    EXPECT_EQ(r.sequence, note.record.sequence);
    EXPECT_EQ(r.capture_ms, note.record.capture_ms);
    EXPECT_EQ(r.size_bytes, note.record.size_bytes);
    EXPECT_EQ(r.width, note.record.width);
    EXPECT_EQ(r.height, note.record.height);
    EXPECT_EQ(back->callback_url, note.callback_url);
    ASSERT_EQ(back->notify.has_value(), with_notify);
    if (with_notify) {
      EXPECT_EQ(back->notify->domain, "push.example.com");
      EXPECT_EQ(back->notify->notify_url, "http://n/");
      EXPECT_TRUE(back->notify->req_auth);
      EXPECT_EQ(back->notify->auth_key, "k");
    }
  }
}

TEST(SnapshotNoteTest, CarriesTheCallbackSigningKeyAndReadsNotesWithoutOne) {
  SnapshotNote note = MakeNote();
  note.callback_auth_key = "callbackKey12345";
  absl::StatusOr<SnapshotNote> back = DecodeSnapshotNote(EncodeSnapshotNote(note));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->callback_auth_key, "callbackKey12345");
  // A note spooled by a livesnap that did not sign template callbacks.
  const std::string unsigned_note = EncodeSnapshotNote(MakeNote());
  ASSERT_EQ(unsigned_note.find("callback_auth_key"), std::string::npos);
  back = DecodeSnapshotNote(unsigned_note);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->callback_auth_key, "");
}

TEST(SnapshotNoteTest, AnythingElseIsDataLoss) {
  std::string other_version = EncodeSnapshotNote(MakeNote());
  other_version.replace(other_version.find("\"version\":1"), 11, "\"version\":2");
  std::string missing_field = EncodeSnapshotNote(MakeNote());
  missing_field.replace(missing_field.find("\"bucket\""), 8, "\"bucketX\"");
  for (const std::string& text : {std::string(""), std::string("not json"), std::string("[1]"),
                                  other_version, missing_field}) {
    EXPECT_EQ(DecodeSnapshotNote(text).status().code(), absl::StatusCode::kDataLoss) << text;
  }
}

}  // namespace
}  // namespace livesnap::snapshot::internal
