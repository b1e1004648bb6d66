#include "delta/partition_value.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

namespace rp::delta {
namespace {

std::optional<std::string> Text(const std::shared_ptr<arrow::Scalar>& scalar) {
  auto array = arrow::MakeArrayFromScalar(*scalar, 1).ValueOrDie();
  auto text = SerializePartitionValue(*array, 0);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : std::optional<std::string>("<error>");
}

TEST(PartitionValue, SerializesAsTheProtocolSays) {
  EXPECT_EQ(Text(arrow::MakeScalar(int32_t{9})), "9");
  EXPECT_EQ(Text(arrow::MakeScalar(int64_t{-12345678901})), "-12345678901");
  EXPECT_EQ(Text(arrow::MakeScalar(true)), "true");
  EXPECT_EQ(Text(std::make_shared<arrow::StringScalar>("a b/c")), "a b/c");
  EXPECT_EQ(Text(std::make_shared<arrow::Date32Scalar>(20335)), "2025-09-04");
  EXPECT_EQ(Text(std::make_shared<arrow::TimestampScalar>(1756969200000000LL,
                                                          arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"))),
            "2025-09-04T07:00:00Z");
  EXPECT_EQ(Text(std::make_shared<arrow::DoubleScalar>(1.5)), "1.5");
  // Null and the empty string are both null in the log.
  EXPECT_EQ(Text(arrow::MakeNullScalar(arrow::int32())), std::nullopt);
  EXPECT_EQ(Text(std::make_shared<arrow::StringScalar>("")), std::nullopt);
}

TEST(PartitionValue, ParsesBackToTheSameTypedValue) {
  std::vector<std::shared_ptr<arrow::Scalar>> scalars = {
      arrow::MakeScalar(int8_t{-8}), arrow::MakeScalar(int16_t{300}), arrow::MakeScalar(int32_t{2025}),
      arrow::MakeScalar(int64_t{1} << 40), arrow::MakeScalar(false), std::make_shared<arrow::StringScalar>("é=%"),
      std::make_shared<arrow::Date32Scalar>(-5), std::make_shared<arrow::FloatScalar>(0.1f),
      std::make_shared<arrow::TimestampScalar>(1756969200000005LL, arrow::timestamp(arrow::TimeUnit::MICRO)),
      std::make_shared<arrow::TimestampScalar>(1756969200LL, arrow::timestamp(arrow::TimeUnit::SECOND, "UTC"))};
  for (const auto& s : scalars) {
    auto back = ParsePartitionValue(Text(s), s->type);
    ASSERT_TRUE(back.ok()) << s->ToString() << ": " << back.status().ToString();
    EXPECT_TRUE((*back)->Equals(*s)) << s->ToString() << " vs " << (*back)->ToString();
  }
}

TEST(PartitionValue, NullAndEmptyTextParseAsNull) {
  EXPECT_FALSE((*ParsePartitionValue(std::nullopt, arrow::int32()))->is_valid);
  EXPECT_FALSE((*ParsePartitionValue(std::string(), arrow::utf8()))->is_valid);
}

TEST(PartitionValue, MalformedTextIsCorruption) {
  EXPECT_EQ(ParsePartitionValue(std::string("9x"), arrow::int32()).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(ParsePartitionValue(std::string("300"), arrow::int8()).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(ParsePartitionValue(std::string("yes"), arrow::boolean()).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(ParsePartitionValue(std::string("2025-02-30"), arrow::date32()).status().code(),
            Status::Code::kCorruption);
  // A timestamp finer than the column's unit does not fit.
  EXPECT_FALSE(ParsePartitionValue(std::string("2025-09-04 07:00:00.5"),
                                   arrow::timestamp(arrow::TimeUnit::SECOND)).ok());
  EXPECT_EQ(ParsePartitionValue(std::string("1"), arrow::binary()).status().code(), Status::Code::kUnsupported);
}

}  // namespace
}  // namespace rp::delta
