// The messages that carry a document (proto/hearth/v1/documents.proto) are proto2 with `string`
// document fields: wire-compatible with the proto3 `bytes` fields they replace, never rejected
// for invalid UTF-8, and checked for UTF-8 only in debug builds, where protobuf only logs.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "hearth/v1/documents.pb.h"

namespace hearth {
namespace {

namespace v1 = ::hearth::v1;
using ::testing::HasSubstr;
using ::testing::Not;

// Not UTF-8 (0xFF never occurs in it), with a marker that must never be logged.
const std::string kNotUtf8("x = \"\xff s3cr3t\"\n");

// A length-delimited field as the proto3 `bytes` field of the same number encoded it.
std::string LengthDelimited(int number, const std::string& payload) {
  std::string out(1, static_cast<char>(number << 3 | 2));
  out.push_back(static_cast<char>(payload.size()));  // payloads here are < 128 bytes
  return out + payload;
}

// What protobuf logs while one of these is alive. protobuf's log handler is a plain function
// pointer, so the capture goes through a file-level pointer; the tests here are single-threaded.
std::vector<std::string>* captured_logs = nullptr;

class CapturedLogs {
 public:
  CapturedLogs() {
    captured_logs = &logs_;
    previous_ = google::protobuf::SetLogHandler(&Record);
  }
  ~CapturedLogs() {
    google::protobuf::SetLogHandler(previous_);
    captured_logs = nullptr;
  }
  const std::vector<std::string>& logs() const { return logs_; }

 private:
  static void Record(google::protobuf::LogLevel /*level*/, const char* /*file*/, int /*line*/,
                     const std::string& message) {
    if (captured_logs != nullptr) captured_logs->push_back(message);
  }

  std::vector<std::string> logs_;
  google::protobuf::LogHandler* previous_ = nullptr;
};

TEST(DocumentFieldsTest, DocumentFieldsAreProto2StringsWithTheirOldNamesAndNumbers) {
  struct Field {
    const google::protobuf::Descriptor* message;
    const char* full_name;
    const char* field;
    int number;
  };
  for (const Field& f : {
           Field{v1::GetConfigResponse::descriptor(), "hearth.v1.GetConfigResponse", "json", 4},
           Field{v1::ValidateConfigResponse::descriptor(), "hearth.v1.ValidateConfigResponse",
                 "json", 4},
           Field{v1::WatchConfigsResponse::descriptor(), "hearth.v1.WatchConfigsResponse", "json",
                 5},
           Field{v1::CandidateFile::descriptor(), "hearth.v1.CandidateFile", "content", 2},
       }) {
    SCOPED_TRACE(f.full_name);
    EXPECT_EQ(f.message->full_name(), f.full_name);
    EXPECT_EQ(f.message->file()->name(), "hearth/v1/documents.proto");
    EXPECT_EQ(f.message->file()->syntax(), google::protobuf::FileDescriptor::SYNTAX_PROTO2);
    const google::protobuf::FieldDescriptor* field = f.message->FindFieldByName(f.field);
    ASSERT_NE(field, nullptr);
    EXPECT_EQ(field->number(), f.number);
    EXPECT_EQ(field->type(), google::protobuf::FieldDescriptor::TYPE_STRING);
  }
}

TEST(DocumentFieldsTest, ReadsAndWritesWhatTheProto3BytesFieldsDid) {
  // GetConfigResponse{name: "a", json: '{"x":1}'} as the proto3 schema encoded it.
  const std::string old_wire = LengthDelimited(1, "a") + LengthDelimited(4, R"({"x":1})");
  v1::GetConfigResponse response;
  ASSERT_TRUE(response.ParseFromString(old_wire));
  EXPECT_EQ(response.name(), "a");
  EXPECT_EQ(response.json(), R"({"x":1})");
  EXPECT_EQ(response.SerializeAsString(), old_wire);

  // Any bytes, NUL and invalid UTF-8 included, go through unchanged.
  const std::string content = std::string("a\0b", 3) + kNotUtf8;
  const std::string candidate_wire = LengthDelimited(1, "a.toml") + LengthDelimited(2, content);
  v1::CandidateFile file;
  ASSERT_TRUE(file.ParseFromString(candidate_wire));
  EXPECT_EQ(file.content(), content);
  EXPECT_EQ(file.SerializeAsString(), candidate_wire);
}

TEST(DocumentFieldsTest, InvalidUtf8IsOnlyLoggedAndOnlyInDebugBuilds) {
  CapturedLogs capture;
  v1::CandidateFile file;
  file.set_file_name("a.toml");
  file.set_content(kNotUtf8);
  const std::string wire = file.SerializeAsString();
  v1::CandidateFile parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));  // never rejected
  EXPECT_EQ(parsed.content(), kNotUtf8);
#ifdef NDEBUG
  // Release builds compile the check out of the generated code: no per-call cost, no log.
  EXPECT_THAT(capture.logs(), ::testing::IsEmpty());
#else
  // Debug builds log once on serialize and once on parse, naming the field, never the value.
  EXPECT_THAT(capture.logs(), ::testing::Contains(HasSubstr("hearth.v1.CandidateFile.content")));
  for (const std::string& log : capture.logs()) EXPECT_THAT(log, Not(HasSubstr("s3cr3t")));
#endif
}

}  // namespace
}  // namespace hearth
