// What is specific to FsBlobStore: files, modes, crash leftovers, durability steps; and the
// SealingPipeline's error handling in each threading mode.
#include "blob/fs_blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "blob/blob_format.h"
#include "blob/tests/blob_test_util.h"

namespace custody::blob {
namespace {

Bytes ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void Touch(const std::filesystem::path& p) { std::ofstream(p) << "x"; }

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st;
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class FsBlobStoreTest : public ::testing::Test {
 protected:
  ~FsBlobStoreTest() override { std::filesystem::remove_all(dir_); }

  FsBlobStore MakeStore(FsBlobStoreOptions options = {}) {
    return FsBlobStore(dir_ / "blobs", dir_ / "tmp", master_, random_, options);
  }

  std::filesystem::path dir_ = MakeTestDir();
  SeededRandom random_{7};
  crypto::MasterKey master_ = crypto::MasterKey::Generate(random_);
  FsBlobStore store_ = MakeStore();
};

TEST_F(FsBlobStoreTest, CommittedBlobIsA0600FileInItsShard) {
  Bytes data = TestData(3000);
  Result<BlobInfo> info = Upload(store_, data);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  const std::string id = info->id.str();
  const std::filesystem::path path = dir_ / "blobs" / id.substr(4, 2) / id;
  EXPECT_EQ(store_.BlobPath(info->id), path);
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(path.parent_path()), 0700u);
  EXPECT_EQ(ModeOf(dir_ / "blobs"), 0700u);
  EXPECT_EQ(ModeOf(dir_ / "tmp"), 0700u);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "tmp"));
  Bytes stored = ReadFile(path);
  EXPECT_EQ(stored.size(), internal::StoredSize(1u << 20, data.size()));
  EXPECT_EQ(AsChars(std::span(stored).first(4)), "CSTB");
}

TEST_F(FsBlobStoreTest, PlaintextNeverReachesTheDisk) {
  std::string secret = "a very recognisable secret line\n";
  Bytes data;
  for (int i = 0; i < 2000; ++i) data.insert(data.end(), secret.begin(), secret.end());
  Result<BlobInfo> info = Upload(store_, data);
  ASSERT_TRUE(info.ok());
  Bytes stored = ReadFile(store_.BlobPath(info->id));
  EXPECT_EQ(std::search(stored.begin(), stored.end(), secret.begin(), secret.end()), stored.end());
}

TEST_F(FsBlobStoreTest, UploadInProgressIsAPartFileInTmp) {
  Result<std::unique_ptr<BlobWriter>> w = store_.Create(UINT64_MAX);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(TestData(100)).ok());
  int parts = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ / "tmp")) {
    EXPECT_TRUE(e.path().filename().string().ends_with(".part")) << e.path();
    EXPECT_EQ(ModeOf(e.path()), 0600u);
    ++parts;
  }
  EXPECT_EQ(parts, 1);
  EXPECT_TRUE(store_.List()->empty());
}

TEST_F(FsBlobStoreTest, CleanTemporaryRemovesOnlyPartialUploads) {
  // What a crash leaves behind, next to other users' files in a shared tmp directory.
  std::filesystem::create_directories(dir_ / "tmp" / "job_1");
  SeededRandom other(3);
  const BlobId crashed = NewId<BlobId>(other);
  Touch(store_.TemporaryPath(crashed));
  Touch(dir_ / "tmp" / "notes.txt");
  Touch(dir_ / "tmp" / "junk.part");
  Touch(dir_ / "tmp" / "job_1" / (NewId<BlobId>(other).str() + ".part"));
  ASSERT_TRUE(store_.CleanTemporary().ok());
  EXPECT_FALSE(std::filesystem::exists(store_.TemporaryPath(crashed)));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "tmp" / "notes.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "tmp" / "junk.part"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "tmp" / "job_1"));
}

TEST_F(FsBlobStoreTest, MissingDirectoriesAreFine) {
  EXPECT_TRUE(store_.List()->empty());
  EXPECT_TRUE(store_.CleanTemporary().ok());
  SeededRandom other(3);
  EXPECT_TRUE(store_.Remove(NewId<BlobId>(other)).ok());
}

TEST_F(FsBlobStoreTest, ListIgnoresForeignFiles) {
  Result<BlobInfo> info = Upload(store_, TestData(10));
  ASSERT_TRUE(info.ok());
  SeededRandom other(4);
  const BlobId misplaced = NewId<BlobId>(other);
  std::string wrong_shard = misplaced.str().substr(4, 2) == "aa" ? "bb" : "aa";
  std::filesystem::create_directories(dir_ / "blobs" / wrong_shard);
  Touch(dir_ / "blobs" / wrong_shard / misplaced.str());
  Touch(dir_ / "blobs" / "README");
  Touch(store_.BlobPath(info->id).parent_path() / "stray.tmp");
  Result<std::vector<BlobId>> listed = store_.List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, std::vector<BlobId>{info->id});
}

TEST_F(FsBlobStoreTest, SwappedBlobFilesAreDataLoss) {
  Result<BlobInfo> a = Upload(store_, TestData(100, 1));
  Result<BlobInfo> b = Upload(store_, TestData(100, 2));
  ASSERT_TRUE(a.ok() && b.ok());
  std::filesystem::copy_file(store_.BlobPath(a->id), store_.BlobPath(b->id),
                             std::filesystem::copy_options::overwrite_existing);
  Result<Bytes> r = Download(store_, b->id, b->wrapped_key);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss);
}

TEST_F(FsBlobStoreTest, AnotherMasterKeyCannotRead) {
  Result<BlobInfo> info = Upload(store_, TestData(100));
  ASSERT_TRUE(info.ok());
  SeededRandom other_random(1);
  crypto::MasterKey other = crypto::MasterKey::Generate(other_random);
  FsBlobStore other_store(dir_ / "blobs", dir_ / "tmp", other, other_random);
  Result<Bytes> r = Download(other_store, info->id, info->wrapped_key);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss);
}

TEST_F(FsBlobStoreTest, ChunkSizeComesFromTheFile) {
  FsBlobStoreOptions small;
  small.chunk_size = 4096;
  FsBlobStore writer = MakeStore(small);
  Bytes data = TestData(50000);
  Result<BlobInfo> info = Upload(writer, data);
  ASSERT_TRUE(info.ok());
  Result<Bytes> back = Download(store_, info->id, info->wrapped_key);  // 1 MiB store
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_TRUE(*back == data);
}

TEST_F(FsBlobStoreTest, UncreatableTmpDirFailsCreate) {
  Touch(dir_ / "file");
  FsBlobStore bad(dir_ / "blobs", dir_ / "file" / "tmp", master_, random_);
  Result<std::unique_ptr<BlobWriter>> w = bad.Create(10);
  EXPECT_FALSE(w.ok());
}

TEST_F(FsBlobStoreTest, TmpOnAnotherFilesystemFailsCommitClearly) {
  struct stat shm, here;
  if (::stat("/dev/shm", &shm) != 0 || ::stat(dir_.c_str(), &here) != 0 ||
      shm.st_dev == here.st_dev) {
    GTEST_SKIP() << "needs /dev/shm on another filesystem";
  }
  const std::filesystem::path tmp = std::filesystem::path("/dev/shm") / dir_.filename();
  std::filesystem::remove_all(tmp);
  {
    FsBlobStore split(dir_ / "blobs", tmp, master_, random_);
    Result<BlobInfo> info = Upload(split, TestData(10));
    ASSERT_FALSE(info.ok());
    EXPECT_NE(info.error().message().find("different filesystems"), std::string::npos)
        << info.error().ToString();
    EXPECT_TRUE(std::filesystem::is_empty(tmp));
    EXPECT_TRUE(split.List()->empty());
  }
  std::filesystem::remove_all(tmp);
}

TEST_F(FsBlobStoreTest, WorksWhereODirectIsRefused) {
  // tmpfs before Linux 6.6 refuses O_DIRECT; the writer must fall back to buffered writes.
  if (!std::filesystem::is_directory("/dev/shm")) GTEST_SKIP() << "needs /dev/shm";
  const std::filesystem::path shm = std::filesystem::path("/dev/shm") / dir_.filename();
  std::filesystem::remove_all(shm);
  {
    FsBlobStoreOptions o;
    o.write_block_size = 8192;
    o.chunk_size = 4096;
    FsBlobStore store(shm / "blobs", shm / "tmp", master_, random_, o);
    Bytes data = TestData(100000);
    Result<BlobInfo> info = Upload(store, data);
    ASSERT_TRUE(info.ok()) << info.error().ToString();
    Result<Bytes> back = Download(store, info->id, info->wrapped_key);
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    EXPECT_TRUE(*back == data);
  }
  std::filesystem::remove_all(shm);
}

TEST_F(FsBlobStoreTest, DirectAndBufferedWritesStoreTheSameLayout) {
  for (bool direct : {true, false}) {
    FsBlobStoreOptions o;
    o.direct_io = direct;
    o.write_block_size = 4096;
    o.chunk_size = 1000;
    FsBlobStore store = MakeStore(o);
    for (size_t size : {size_t{0}, size_t{4096 - 65}, size_t{50000}}) {
      Bytes data = TestData(size);
      Result<BlobInfo> info = Upload(store, data, {777});
      ASSERT_TRUE(info.ok()) << info.error().ToString();
      EXPECT_EQ(std::filesystem::file_size(store.BlobPath(info->id)),
                internal::StoredSize(1000, size));
      Result<Bytes> back = Download(store_, info->id, info->wrapped_key);
      ASSERT_TRUE(back.ok()) << back.error().ToString();
      EXPECT_TRUE(*back == data);
    }
  }
}

// SealingPipeline: a persist error surfaces from Write or Finish in every threading mode, and
// nothing after it is persisted.
class SealingPipelineTest : public ::testing::TestWithParam<int> {};

TEST_P(SealingPipelineTest, PersistErrorSurfaces) {
  for (int fail_at : {1, 2, 5}) {
    SCOPED_TRACE("fail at call " + std::to_string(fail_at));
    int calls = 0;
    int calls_after_error = 0;
    bool failed = false;
    Bytes key(32, 4);
    internal::SealingPipeline p(key, 1024, GetParam(), 4, [&](std::span<const uint8_t>) -> Status {
      if (failed) ++calls_after_error;
      if (++calls == fail_at) {
        failed = true;
        return Error(ErrorCode::kResourceExhausted, "disk full");
      }
      return OkStatus();
    });
    Status st = p.Start();
    for (int i = 0; st.ok() && i < 50; ++i) st = p.Write(TestData(1000, uint64_t(i)));
    Result<std::string> sha = st.ok() ? p.Finish() : Result<std::string>(st.error());
    ASSERT_FALSE(sha.ok());
    EXPECT_EQ(sha.error().code(), ErrorCode::kResourceExhausted);
    p.Cancel();
    EXPECT_EQ(calls_after_error, 0);
  }
}

TEST_P(SealingPipelineTest, OutputIsIdenticalInEveryMode) {
  // The bytes differ between runs only in the random stream header; the layout must not.
  Bytes key(32, 4);
  Bytes out;
  internal::SealingPipeline p(key, 1024, GetParam(), 4, [&](std::span<const uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return OkStatus();
  });
  ASSERT_TRUE(p.Start().ok());
  Bytes data = TestData(10 * 1024 + 7);
  ASSERT_TRUE(p.Write(data).ok());
  Result<std::string> sha = p.Finish();
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(out.size(), internal::StoredSize(1024, data.size()));
  Result<internal::Layout> layout = internal::ParseHeader(out, out.size());
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->plaintext_size(), data.size());
  EXPECT_EQ(layout->full_chunks, 10u);
  EXPECT_EQ(layout->final_data, 7u);
}

INSTANTIATE_TEST_SUITE_P(Threads, SealingPipelineTest, ::testing::Values(0, 1, 2));

}  // namespace
}  // namespace custody::blob
