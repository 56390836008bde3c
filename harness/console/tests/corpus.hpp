// Golden corpus files: a syzkaller-like header (TITLE/KIND/FRAME/CORRUPTED), a blank line,
// then the console excerpt.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace dt::console::testing {

struct CorpusFile {
  std::string name;
  std::string title, kind, frame;
  bool corrupted = false;
  std::string log;
};

inline std::filesystem::path testdata_dir() {
  return DT_CONSOLE_TESTDATA;
}

std::vector<std::filesystem::path> list_dir(const std::filesystem::path& dir);
std::string read_file(const std::filesystem::path& p);
CorpusFile load_corpus_file(const std::filesystem::path& p);

}  // namespace dt::console::testing
