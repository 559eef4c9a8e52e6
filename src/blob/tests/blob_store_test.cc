// The BlobStore contract, run against every implementation (FsBlobStore in each pipeline mode,
// MemBlobStore, and FaultyBlobStore with no faults armed).
#include "blob/blob_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <thread>

#include "base/clock.h"
#include "blob/faulty_blob_store.h"
#include "blob/fs_blob_store.h"
#include "blob/mem_blob_store.h"
#include "blob/tests/blob_test_util.h"
#include "crypto/sha256.h"

namespace custody::blob {
namespace {

// A store under test plus ways to damage what it stored.
class Harness {
 public:
  virtual ~Harness() = default;
  virtual BlobStore& store() = 0;
  virtual uint32_t chunk_size() const = 0;
  virtual uint64_t StoredSize(const BlobId& id) = 0;
  virtual void FlipBit(const BlobId& id, uint64_t offset) = 0;
  virtual void Truncate(const BlobId& id, uint64_t size) = 0;
  virtual void Append(const BlobId& id, const Bytes& data) = 0;
  virtual size_t TemporaryCount() = 0;
};

class FsHarness final : public Harness {
 public:
  FsHarness(const crypto::MasterKey& master, Random& random, FsBlobStoreOptions options)
      : dir_(MakeTestDir()),
        chunk_size_(options.chunk_size),
        store_(dir_ / "blobs", dir_ / "tmp", master, random, options) {}
  ~FsHarness() override { std::filesystem::remove_all(dir_); }

  BlobStore& store() override { return store_; }
  uint32_t chunk_size() const override { return chunk_size_; }
  uint64_t StoredSize(const BlobId& id) override {
    return std::filesystem::file_size(store_.BlobPath(id));
  }
  void FlipBit(const BlobId& id, uint64_t offset) override {
    std::fstream f(store_.BlobPath(id), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c;
    f.get(c);
    c = static_cast<char>(c ^ 0x01);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(c);
  }
  void Truncate(const BlobId& id, uint64_t size) override {
    std::filesystem::resize_file(store_.BlobPath(id), size);
  }
  void Append(const BlobId& id, const Bytes& data) override {
    std::ofstream f(store_.BlobPath(id), std::ios::app | std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  }
  size_t TemporaryCount() override {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "tmp", ec)) {
      (void)e;
      ++n;
    }
    return n;
  }

 private:
  std::filesystem::path dir_;
  uint32_t chunk_size_;
  FsBlobStore store_;
};

class MemHarness : public Harness {
 public:
  MemHarness(const crypto::MasterKey& master, Random& random, uint32_t chunk_size)
      : chunk_size_(chunk_size), mem_(master, random, chunk_size) {}

  BlobStore& store() override { return mem_; }
  uint32_t chunk_size() const override { return chunk_size_; }
  uint64_t StoredSize(const BlobId& id) override { return *mem_.StoredSize(id); }
  void FlipBit(const BlobId& id, uint64_t offset) override {
    ASSERT_TRUE(mem_.FlipBit(id, offset).ok());
  }
  void Truncate(const BlobId& id, uint64_t size) override {
    ASSERT_TRUE(mem_.Truncate(id, size).ok());
  }
  void Append(const BlobId& id, const Bytes& data) override {
    ASSERT_TRUE(mem_.Append(id, data).ok());
  }
  size_t TemporaryCount() override { return mem_.temporary_count(); }

 protected:
  uint32_t chunk_size_;
  MemBlobStore mem_;
};

class FaultyHarness final : public MemHarness {
 public:
  using MemHarness::MemHarness;
  BlobStore& store() override { return faulty_; }

 private:
  FaultyBlobStore faulty_{mem_};
};

struct StoreKind {
  std::string name;
  std::function<std::unique_ptr<Harness>(const crypto::MasterKey&, Random&)> make;
};

std::unique_ptr<Harness> Fs(const crypto::MasterKey& m, Random& r, uint32_t chunk, int threads,
                            uint32_t block = 4u << 20, bool direct = true) {
  FsBlobStoreOptions o;
  o.chunk_size = chunk;
  o.pipeline_threads = threads;
  o.write_block_size = block;
  o.direct_io = direct;
  o.bytes_per_sync = 64 * 1024;
  return std::make_unique<FsHarness>(m, r, o);
}

const StoreKind kKinds[] = {
    {"Fs_Threads0", [](auto& m, auto& r) { return Fs(m, r, 1 << 20, 0); }},
    {"Fs_Threads1", [](auto& m, auto& r) { return Fs(m, r, 1 << 20, 1); }},
    {"Fs_Threads2", [](auto& m, auto& r) { return Fs(m, r, 1 << 20, 2); }},
    {"Fs_SmallChunks", [](auto& m, auto& r) { return Fs(m, r, 4096, 2, 8192); }},
    {"Fs_Buffered", [](auto& m, auto& r) { return Fs(m, r, 4096, 1, 8192, false); }},
    {"Mem", [](auto& m, auto& r) { return std::make_unique<MemHarness>(m, r, 1 << 20); }},
    {"Mem_SmallChunks", [](auto& m, auto& r) { return std::make_unique<MemHarness>(m, r, 4096); }},
    {"FaultyOverMem", [](auto& m, auto& r) { return std::make_unique<FaultyHarness>(m, r, 4096); }},
};

class BlobStoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override { h_ = GetParam().make(master_, random_); }

  BlobStore& store() { return h_->store(); }
  uint32_t chunk() const { return h_->chunk_size(); }

  BlobInfo MustUpload(const Bytes& data, std::initializer_list<size_t> pieces = {65536}) {
    Result<BlobInfo> info = Upload(store(), data, pieces);
    EXPECT_TRUE(info.ok()) << info.error().ToString();
    return info.ok() ? *info : BlobInfo{};
  }

  // The outcome of reading a whole blob: its bytes, or the first error of Open or Read.
  Result<Bytes> ReadBack(const BlobInfo& info, size_t buf = 100000) {
    return Download(store(), info.id, info.wrapped_key, buf);
  }

  void ExpectDataLoss(const BlobInfo& info, const std::string& what) {
    Result<Bytes> r = ReadBack(info);
    ASSERT_FALSE(r.ok()) << what << ": damaged blob read back fine";
    EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss) << what << ": " << r.error().ToString();
  }

  SeededRandom random_{20261122};
  crypto::MasterKey master_ = crypto::MasterKey::Generate(random_);
  std::unique_ptr<Harness> h_;
};

TEST_P(BlobStoreTest, RoundTripsAtChunkBoundaries) {
  const size_t c = chunk();
  for (size_t size : {size_t{0}, size_t{1}, c - 1, c, c + 1, 2 * c, size_t{5} << 20}) {
    SCOPED_TRACE("size " + std::to_string(size));
    Bytes data = TestData(size, size);
    BlobInfo info = MustUpload(data, {1000, 65536, 1, 300000});
    EXPECT_TRUE(LooksLike<BlobId>(info.id.str())) << info.id;
    EXPECT_EQ(info.size, size);
    EXPECT_EQ(info.sha256_hex, crypto::Sha256Hex(data));
    EXPECT_EQ(info.wrapped_key.size(), 32 + crypto::MasterKey::kWrapOverhead);
    for (size_t buf : {size_t{1} << 20, size_t{4093}}) {
      Result<Bytes> back = ReadBack(info, buf);
      ASSERT_TRUE(back.ok()) << back.error().ToString();
      EXPECT_TRUE(*back == data);
    }
  }
}

TEST_P(BlobStoreTest, TinyReadsAndReadsAfterTheEnd) {
  Bytes data = TestData(3 * chunk() / 2 + 7);
  BlobInfo info = MustUpload(data);
  Result<std::unique_ptr<BlobReader>> r = store().Open(info.id, info.wrapped_key);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)->size(), data.size());
  Bytes out;
  uint8_t b[7];
  for (;;) {
    Result<size_t> n = (*r)->Read(b);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    out.insert(out.end(), b, b + *n);
  }
  EXPECT_TRUE(out == data);
  EXPECT_EQ(*(*r)->Read(b), 0u);
  EXPECT_EQ(*(*r)->Read(b), 0u);
}

TEST_P(BlobStoreTest, EnforcesMaxSize) {
  Result<std::unique_ptr<BlobWriter>> w = store().Create(10);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(TestData(6)).ok());
  ASSERT_TRUE((*w)->Write(TestData(4)).ok());  // exactly the limit is fine
  Status st = (*w)->Write(TestData(1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kPayloadTooLarge);
  EXPECT_EQ((*w)->bytes_written(), 10u);
  // The writer is failed now; Commit reports the same error and nothing is stored.
  Result<BlobInfo> c = (*w)->Commit();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kPayloadTooLarge);
  (*w)->Abort();
  EXPECT_TRUE(store().List()->empty());
  EXPECT_EQ(h_->TemporaryCount(), 0u);

  Result<BlobInfo> exact = Upload(store(), TestData(10), {3}, 10);
  ASSERT_TRUE(exact.ok()) << exact.error().ToString();
  Result<BlobInfo> over = Upload(store(), TestData(3 * chunk()), {chunk()}, 2 * chunk());
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(store().List()->size(), 1u);
}

TEST_P(BlobStoreTest, AbortLeavesNothing) {
  Result<std::unique_ptr<BlobWriter>> w = store().Create(UINT64_MAX);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(h_->TemporaryCount(), 1u);
  ASSERT_TRUE((*w)->Write(TestData(3 * chunk() + 5)).ok());
  (*w)->Abort();
  (*w)->Abort();  // idempotent
  EXPECT_EQ(h_->TemporaryCount(), 0u);
  EXPECT_TRUE(store().List()->empty());
  EXPECT_EQ((*w)->Write(TestData(1)).error().code(), ErrorCode::kConflict);
  EXPECT_EQ((*w)->Commit().error().code(), ErrorCode::kConflict);
}

TEST_P(BlobStoreTest, DestroyingAnUncommittedWriterAborts) {
  {
    Result<std::unique_ptr<BlobWriter>> w = store().Create(UINT64_MAX);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(TestData(2 * chunk() + 1)).ok());
  }
  EXPECT_EQ(h_->TemporaryCount(), 0u);
  EXPECT_TRUE(store().List()->empty());
}

TEST_P(BlobStoreTest, CommitIsFinal) {
  Result<std::unique_ptr<BlobWriter>> w = store().Create(UINT64_MAX);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(TestData(100)).ok());
  Result<BlobInfo> info = (*w)->Commit();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*w)->Commit().error().code(), ErrorCode::kConflict);
  EXPECT_EQ((*w)->Write(TestData(1)).error().code(), ErrorCode::kConflict);
  (*w)->Abort();  // a no-op after Commit
  w->reset();
  EXPECT_TRUE(ReadBack(*info).ok());
  EXPECT_EQ(h_->TemporaryCount(), 0u);
}

TEST_P(BlobStoreTest, EveryFlippedBitIsDataLoss) {
  Bytes data = TestData(2 * chunk() + 100);
  BlobInfo info = MustUpload(data);
  const uint64_t stored = h_->StoredSize(info.id);
  const uint64_t stride = chunk() + 17;
  // Header fields, stream header, first/second/final chunk tag bytes, data, MACs, the trailer.
  std::vector<uint64_t> offsets = {0,
                                   4,
                                   5,
                                   8,
                                   12,
                                   16,
                                   39,
                                   40,
                                   41,
                                   40 + stride / 2,
                                   40 + stride - 1,
                                   40 + stride,
                                   40 + 2 * stride,
                                   stored - 25,
                                   stored - 20,
                                   stored - 17,
                                   stored - 1};
  for (uint64_t off : offsets) {
    h_->FlipBit(info.id, off);
    ExpectDataLoss(info, "bit flipped at " + std::to_string(off));
    h_->FlipBit(info.id, off);
  }
  Result<Bytes> back = ReadBack(info);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_TRUE(*back == data);
}

TEST_P(BlobStoreTest, TruncationIsDataLoss) {
  Bytes data = TestData(3 * chunk() + 100);
  BlobInfo info = MustUpload(data);
  const uint64_t stored = h_->StoredSize(info.id);
  const uint64_t stride = chunk() + 17;
  // From the end down, so each cut is into a still-complete prefix. Cuts at chunk boundaries
  // leave a well-formed stream that simply lacks its FINAL chunk.
  for (uint64_t size :
       {stored - 1, stored - 8, stored - 25, 40 + 3 * stride, 40 + 2 * stride + 5, 40 + 2 * stride,
        40 + stride, uint64_t{64}, uint64_t{40}, uint64_t{39}, uint64_t{0}}) {
    h_->Truncate(info.id, size);
    ExpectDataLoss(info, "truncated to " + std::to_string(size));
  }
}

TEST_P(BlobStoreTest, AppendedBytesAreDataLoss) {
  BlobInfo info = MustUpload(TestData(chunk() + 3));
  h_->Append(info.id, Bytes(1, 0));
  ExpectDataLoss(info, "1 byte appended");
  h_->Append(info.id, TestData(chunk() + 16));
  ExpectDataLoss(info, "a chunk appended");
}

TEST_P(BlobStoreTest, WrongWrappedKeyIsDataLoss) {
  BlobInfo a = MustUpload(TestData(1000, 1));
  BlobInfo b = MustUpload(TestData(1000, 2));
  // b's key is a valid wrapped key, but bound to b's id.
  Result<std::unique_ptr<BlobReader>> r = store().Open(a.id, b.wrapped_key);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss);
  Bytes damaged = a.wrapped_key;
  damaged[10] ^= 1;
  EXPECT_EQ(store().Open(a.id, damaged).error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(store().Open(a.id, {}).error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(store().Open(a.id, std::span(a.wrapped_key).first(20)).error().code(),
            ErrorCode::kDataLoss);
  // A key wrapped by another master key for the same id.
  SeededRandom other_random(99);
  crypto::MasterKey other = crypto::MasterKey::Generate(other_random);
  Bytes foreign = *other.Wrap(Bytes(32, 1), BlobKeyContext(a.id), other_random);
  EXPECT_EQ(store().Open(a.id, foreign).error().code(), ErrorCode::kDataLoss);
  // A key for the right id and master key, but not the blob's data key.
  Bytes impostor = *master_.Wrap(Bytes(32, 1), BlobKeyContext(a.id), random_);
  ExpectDataLoss(BlobInfo{a.id, "", 0, impostor}, "impostor data key");
}

TEST_P(BlobStoreTest, SameContentEncryptsDifferently) {
  Bytes data = TestData(5000);
  BlobInfo a = MustUpload(data);
  BlobInfo b = MustUpload(data);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(a.sha256_hex, b.sha256_hex);
  EXPECT_NE(a.wrapped_key, b.wrapped_key);
}

TEST_P(BlobStoreTest, RemoveThenOpenIsNotFound) {
  BlobInfo info = MustUpload(TestData(100));
  ASSERT_TRUE(store().Remove(info.id).ok());
  Result<std::unique_ptr<BlobReader>> r = store().Open(info.id, info.wrapped_key);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store().Remove(info.id).ok());  // idempotent
  EXPECT_TRUE(store().List()->empty());
}

TEST_P(BlobStoreTest, OpenReaderSurvivesRemove) {
  Bytes data = TestData(2 * chunk() + 9);
  BlobInfo info = MustUpload(data);
  Result<std::unique_ptr<BlobReader>> r = store().Open(info.id, info.wrapped_key);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store().Remove(info.id).ok());
  Bytes out(data.size() + 1);
  size_t got = 0;
  for (;;) {
    Result<size_t> n = (*r)->Read(std::span(out).subspan(got));
    ASSERT_TRUE(n.ok()) << n.error().ToString();
    if (*n == 0) break;
    got += *n;
  }
  out.resize(got);
  EXPECT_TRUE(out == data);
}

TEST_P(BlobStoreTest, UnknownAndMalformedIds) {
  BlobInfo info = MustUpload(TestData(10));
  SeededRandom other(5);
  BlobId missing = NewId<BlobId>(other);
  EXPECT_EQ(store().Open(missing, info.wrapped_key).error().code(), ErrorCode::kNotFound);
  for (const char* bad : {"", "../../etc/passwd", "blb_", "ast_aaaaaaaaaaaaaaaaaaaaaaaaaa",
                          "blb_aaaaaaaaaaaaaaaaaaaaaaaaa/", "blb_../aaaaaaaaaaaaaaaaaaaaaaa"}) {
    EXPECT_EQ(store().Open(BlobId(bad), info.wrapped_key).error().code(),
              ErrorCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(store().Remove(BlobId(bad)).error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_P(BlobStoreTest, ListShowsCommittedBlobsSorted) {
  EXPECT_TRUE(store().List()->empty());
  std::vector<BlobId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(MustUpload(TestData(10 + i)).id);
  Result<std::unique_ptr<BlobWriter>> pending = store().Create(100);
  ASSERT_TRUE(pending.ok());
  ASSERT_TRUE((*pending)->Write(TestData(5)).ok());
  std::sort(ids.begin(), ids.end());
  Result<std::vector<BlobId>> listed = store().List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, ids);
  ASSERT_TRUE(store().Remove(ids[2]).ok());
  ids.erase(ids.begin() + 2);
  EXPECT_EQ(*store().List(), ids);
}

TEST_P(BlobStoreTest, CleanTemporaryDropsUploadsInProgress) {
  Result<std::unique_ptr<BlobWriter>> w = store().Create(UINT64_MAX);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(TestData(chunk() + 1)).ok());
  EXPECT_EQ(h_->TemporaryCount(), 1u);
  ASSERT_TRUE(store().CleanTemporary().ok());
  EXPECT_EQ(h_->TemporaryCount(), 0u);
  EXPECT_FALSE((*w)->Commit().ok());
  EXPECT_TRUE(store().List()->empty());
  ASSERT_TRUE(store().CleanTemporary().ok());  // nothing to do is fine
}

TEST_P(BlobStoreTest, ConcurrentUploadsAndReads) {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<std::string> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        Bytes data = TestData(chunk() * 2 + size_t(t * 1000 + i), uint64_t(t * 10 + i));
        Result<BlobInfo> info = Upload(store(), data, {7777});
        if (!info.ok()) {
          failures[t] = info.error().ToString();
          return;
        }
        Result<Bytes> back = Download(store(), info->id, info->wrapped_key);
        if (!back.ok() || *back != data) {
          failures[t] = "read back failed";
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& f : failures) EXPECT_EQ(f, "");
  EXPECT_EQ(store().List()->size(), size_t{kThreads} * 3);
}

TEST_P(BlobStoreTest, ReaderStaysFailed) {
  BlobInfo info = MustUpload(TestData(3 * chunk()));
  h_->FlipBit(info.id, 40 + chunk() + 17 + 5);  // inside the second chunk
  Result<std::unique_ptr<BlobReader>> r = store().Open(info.id, info.wrapped_key);
  ASSERT_TRUE(r.ok());
  Bytes buf(chunk());
  EXPECT_TRUE((*r)->Read(buf).ok());  // the first chunk is intact
  EXPECT_EQ((*r)->Read(buf).error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ((*r)->Read(buf).error().code(), ErrorCode::kDataLoss);
}

INSTANTIATE_TEST_SUITE_P(Stores, BlobStoreTest, ::testing::ValuesIn(kKinds),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace custody::blob
