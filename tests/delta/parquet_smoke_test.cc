// Proves the Arrow/Parquet toolchain links and round-trips: a broken wheel or
// ABI mismatch fails here, before any Delta code is involved.
#include <arrow/api.h>
#include <arrow/io/file.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace {

TEST(ParquetToolchain, WritesAndReadsBackASnappyFile) {
  arrow::StringBuilder values;
  arrow::Int64Builder offsets;
  ASSERT_TRUE(values.AppendValues({"{\"a\":1}", "héllo"}).ok());
  ASSERT_TRUE(values.AppendNull().ok());
  ASSERT_TRUE(offsets.AppendValues({0, 1, 2}).ok());
  auto schema = arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("offset", arrow::int64())});
  auto table = arrow::Table::Make(schema, {values.Finish().ValueOrDie(), offsets.Finish().ValueOrDie()});

  auto path = std::filesystem::temp_directory_path() / ("rp-smoke-" + std::to_string(::getpid()) + ".parquet");
  {
    auto out = arrow::io::FileOutputStream::Open(path.string()).ValueOrDie();
    auto props = parquet::WriterProperties::Builder().compression(parquet::Compression::SNAPPY)->build();
    ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1024, props).ok());
    ASSERT_TRUE(out->Close().ok());
  }
  auto in = arrow::io::ReadableFile::Open(path.string()).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(in, arrow::default_memory_pool()).ValueOrDie();
  EXPECT_EQ(reader->parquet_reader()->metadata()->RowGroup(0)->ColumnChunk(0)->compression(),
            parquet::Compression::SNAPPY);
  std::shared_ptr<arrow::Table> back;
  ASSERT_TRUE(reader->ReadTable(&back).ok());
  EXPECT_TRUE(back->Equals(*table));
  std::filesystem::remove(path);
}

}  // namespace
