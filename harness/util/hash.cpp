#include "util/hash.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <fstream>

#include "util/error.hpp"

namespace dt {

struct Hasher::Impl {};

Hasher::Hasher() : ctx_(reinterpret_cast<Impl*>(EVP_MD_CTX_new())) {
  EVP_DigestInit_ex(reinterpret_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Hasher::~Hasher() {
  EVP_MD_CTX_free(reinterpret_cast<EVP_MD_CTX*>(ctx_));
}

void Hasher::update(const void* data, std::size_t n) {
  EVP_DigestUpdate(reinterpret_cast<EVP_MD_CTX*>(ctx_), data, n);
}

Hasher& Hasher::add(std::string_view field) {
  std::uint64_t n = field.size();
  update(&n, sizeof n);
  update(field.data(), field.size());
  return *this;
}

Hasher& Hasher::add_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InfraError("cannot read " + p.string());
  std::uint64_t n = std::filesystem::file_size(p);
  update(&n, sizeof n);
  std::array<char, 1 << 16> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return *this;
}

std::string Hasher::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(reinterpret_cast<EVP_MD_CTX*>(ctx_), md.data(), &len);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Hasher h;
  h.add(data);
  return h.hex();
}

std::string sha256_file(const std::filesystem::path& p) {
  Hasher h;
  h.add_file(p);
  return h.hex();
}

}  // namespace dt
