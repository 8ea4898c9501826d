#include "load/feeder.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace hone::load {
namespace {

TEST(Csv, QuotesAndLineEnds) {
  auto rows = parse_csv("a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\n2,,3").value();
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[1][1], "x,y");
  EXPECT_EQ(rows[1][2], "say \"hi\"");
  EXPECT_EQ(rows[2][1], "");
  EXPECT_FALSE(parse_csv("a,\"open\n"));
  EXPECT_FALSE(parse_csv("a,b\"c\n"));
}

TEST(DataFeed, CsvAndJsonLinesWithTemplates) {
  test::TempDir dir;
  auto csv = DataFeed::load(dir.write("rows.csv", "id,amount\n1,9.5\n2,12\n")).value();
  EXPECT_EQ(csv->size(), 2U);
  auto body = Template::compile(R"({"id": {{id}}, "amount": {{ amount }}})", *csv).value();
  std::string out;
  body.render(csv->row(1), out);
  EXPECT_EQ(out, R"({"id": 2, "amount": 12})");
  EXPECT_EQ(csv->next_index(), 0U);
  EXPECT_EQ(csv->next_index(), 1U);

  auto jsonl =
      DataFeed::load(dir.write("rows.jsonl",
                               "{\"name\":\"a b\",\"v\":[1,2]}\n\n{\"name\":\"c\",\"v\":null}\n"))
          .value();
  auto named = Template::compile("{{name}}={{v}}", *jsonl).value();
  out.clear();
  named.render(jsonl->row(0), out);
  EXPECT_EQ(out, "a b=[1,2]");
  out.clear();
  named.render(jsonl->row(1), out);
  EXPECT_EQ(out, "c=null");
}

TEST(DataFeed, RowPlaceholderFillsAWholeFeatureArray) {
  test::TempDir dir;
  auto csv = DataFeed::load(dir.write("rows.csv", "a,b,c\n1,2.5,3\n")).value();
  auto body = Template::compile(R"({"data": [{{row}}]})", *csv).value();
  std::string out;
  body.render(csv->row(0), out);
  EXPECT_EQ(out, R"({"data": [1,2.5,3]})");
  // JSON-lines values keep their JSON form, so strings stay quoted-free as with {{column}}.
  auto jsonl = DataFeed::load(dir.write("rows.jsonl", "{\"x\":1,\"y\":[2,3]}\n")).value();
  out.clear();
  Template::compile("[{{row}}]", *jsonl).value().render(jsonl->row(0), out);
  EXPECT_EQ(out, "[1,[2,3]]");
  // A column named "row" is that column.
  auto named = DataFeed::load(dir.write("named.csv", "row,z\n7,8\n")).value();
  out.clear();
  Template::compile("{{row}}", *named).value().render(named->row(0), out);
  EXPECT_EQ(out, "7");
}

TEST(DataFeed, ClearErrors) {
  test::TempDir dir;
  auto ragged = DataFeed::load(dir.write("bad.csv", "a,b\n1\n"));
  ASSERT_FALSE(ragged);
  EXPECT_NE(ragged.error().message.find("row 2 has 1 fields"), std::string::npos);
  EXPECT_FALSE(DataFeed::load(dir.write("only.csv", "a,b\n")));
  EXPECT_FALSE(DataFeed::load(dir.write("x.txt", "a\n")));
  EXPECT_FALSE(DataFeed::load(dir.write("bad.jsonl", "[1,2]\n")));
  EXPECT_FALSE(DataFeed::load(dir.file("missing.csv")));
  auto feed = DataFeed::load(dir.write("ok.csv", "a\n1\n")).value();
  auto unknown = Template::compile("{{b}}", *feed);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("uses {{b}} but the data has columns a"),
            std::string::npos);
  EXPECT_FALSE(Template::compile("{{a", *feed));
}

}  // namespace
}  // namespace hone::load
