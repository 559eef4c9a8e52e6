// Helpers shared by the blob tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "base/encoding.h"
#include "blob/blob_store.h"

namespace custody::blob {

// Deterministic, non-repeating-looking content.
inline Bytes TestData(size_t n, uint64_t seed = 1) {
  Bytes b(n);
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b[i] = uint8_t(x);
  }
  return b;
}

// Writes `data` in pieces of the given sizes (cycling), then commits.
inline Result<BlobInfo> Upload(BlobStore& store, const Bytes& data,
                               std::initializer_list<size_t> pieces = {65536},
                               uint64_t max_size = UINT64_MAX) {
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> w, store.Create(max_size));
  size_t off = 0;
  auto it = pieces.begin();
  while (off < data.size()) {
    size_t n = std::min(*it, data.size() - off);
    RETURN_IF_ERROR(w->Write(std::span(data).subspan(off, n)));
    off += n;
    if (++it == pieces.end()) it = pieces.begin();
  }
  return w->Commit();
}

// Opens and reads a whole blob with reads of `buf` bytes.
inline Result<Bytes> Download(BlobStore& store, const BlobId& id, const Bytes& wrapped_key,
                              size_t buf = 100000) {
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> r, store.Open(id, wrapped_key));
  Bytes out;
  Bytes tmp(buf);
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, r->Read(tmp));
    if (n == 0) break;
    out.insert(out.end(), tmp.begin(), tmp.begin() + static_cast<ptrdiff_t>(n));
  }
  if (out.size() != r->size()) return Internal("size() disagrees with the bytes read");
  return out;
}

inline std::filesystem::path MakeTestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("custody_blob_") + info->test_suite_name() + "_" + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace custody::blob
