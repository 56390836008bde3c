#pragma once
// Content hashing for cache keys: SHA-256 over a framed sequence of fields, so that
// ("ab","c") and ("a","bc") never collide.
#include <filesystem>
#include <string>
#include <string_view>

namespace dt {

class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& add(std::string_view field);             // length-prefixed
  Hasher& add_file(const std::filesystem::path&);  // length-prefixed file contents
  std::string hex();                               // finalises

 private:
  void update(const void* data, std::size_t n);
  struct Impl;
  Impl* ctx_;  // EVP_MD_CTX, owned; freed in the destructor
};

std::string sha256_hex(std::string_view data);
std::string sha256_file(const std::filesystem::path& p);

}  // namespace dt
