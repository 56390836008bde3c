#include "util/xml.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "report/console_tail.hpp"
#include "util/tempdir.hpp"

using namespace dt::report;
namespace xml = dt::xml;

TEST(Xml, DropsControlCharactersButKeepsWhitespace) {
  using namespace std::string_literals;
  EXPECT_EQ(xml::sanitize("a\0b\x07"
                          "c\x1b[0md\te\nf\rg\x7f"s),
            "abc[0md\te\nf\rg");
}

TEST(Xml, ReplacesInvalidUtf8AndKeepsValid) {
  const std::string repl = "\xEF\xBF\xBD";
  EXPECT_EQ(xml::sanitize("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x90\xA7"),
            "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x90\xA7");
  EXPECT_EQ(xml::sanitize("\xFF"), repl);
  EXPECT_EQ(xml::sanitize("\xC3\x28"), repl + "(");              // bad continuation
  EXPECT_EQ(xml::sanitize("\xC0\xAF"), repl + repl);             // overlong '/'
  EXPECT_EQ(xml::sanitize("\xED\xA0\x80"), repl + repl + repl);  // UTF-16 surrogate
  EXPECT_EQ(xml::sanitize("end\xE2\x82"), "end" + repl + repl);  // truncated at the end
  EXPECT_EQ(xml::sanitize("\xC2\x85"), "");                      // C1 control NEL
  EXPECT_EQ(xml::sanitize("\xEF\xBF\xBE"), "");                  // U+FFFE is not a character
}

TEST(Xml, EscapesMarkup) {
  EXPECT_EQ(xml::text("a <b> & ]]> \"q\" 'a'"), "a &lt;b&gt; &amp; ]]&gt; \"q\" 'a'");
  EXPECT_EQ(xml::text("cr\rlf\n"), "cr&#13;lf\n");
  EXPECT_EQ(xml::attr("say \"hi\"\n\tto 'me'"), "say &quot;hi&quot;&#10;&#9;to &apos;me&apos;");
}

TEST(ConsoleTail, LastLines) {
  dt::TempDir d("/tmp", "dt-report-");
  auto p = d.path() / "console.log";
  {
    std::ofstream out(p);
    for (int i = 0; i < 300; ++i) out << "line " << i << "\n";
  }
  auto tail = tail_lines(p, 200);
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->substr(0, 9), "line 100\n");
  EXPECT_EQ(tail->substr(tail->size() - 9), "line 299\n");
  EXPECT_EQ(std::count(tail->begin(), tail->end(), '\n'), 200);
  EXPECT_EQ(*tail_lines(p, 1), "line 299\n");
  EXPECT_EQ(*tail_lines(p, 0), "");
  auto all = *tail_lines(p, 1000);
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 300);
  // Only the last 30 bytes are read; the cut first line is dropped.
  EXPECT_EQ(*tail_lines(p, 200, 30), "line 297\nline 298\nline 299\n");
  EXPECT_FALSE(tail_lines(d.path() / "missing.log", 10));
}

TEST(ConsoleTail, NoTrailingNewline) {
  dt::TempDir d("/tmp", "dt-report-");
  auto p = d.path() / "console.log";
  std::ofstream(p) << "a\nb\nc";
  EXPECT_EQ(*tail_lines(p, 2), "b\nc");
  EXPECT_EQ(*tail_lines(p, 5), "a\nb\nc");
}
