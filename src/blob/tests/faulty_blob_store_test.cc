#include "blob/faulty_blob_store.h"

#include <gtest/gtest.h>

#include "blob/mem_blob_store.h"
#include "blob/tests/blob_test_util.h"

namespace custody::blob {
namespace {

class FaultyBlobStoreTest : public ::testing::Test {
 protected:
  SeededRandom random_{1};
  crypto::MasterKey master_ = crypto::MasterKey::Generate(random_);
  MemBlobStore mem_{master_, random_, 4096};
  FaultyBlobStore faulty_{mem_};
};

TEST_F(FaultyBlobStoreTest, PassesThroughWhenNothingIsArmed) {
  Bytes data = TestData(10000);
  Result<BlobInfo> info = Upload(faulty_, data, {1000});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(faulty_.writes(), 10);
  EXPECT_EQ(faulty_.commits(), 1);
  EXPECT_EQ(faulty_.faults_injected(), 0);
  EXPECT_TRUE(*Download(faulty_, info->id, info->wrapped_key) == data);
}

TEST_F(FaultyBlobStoreTest, FailsTheNthWriteAndTheWriterStaysFailed) {
  faulty_.FailNthWrite(3, ErrorCode::kResourceExhausted);
  Result<std::unique_ptr<BlobWriter>> w = faulty_.Create(UINT64_MAX);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE((*w)->Write(TestData(10)).ok());
  EXPECT_TRUE((*w)->Write(TestData(10)).ok());
  Status st = (*w)->Write(TestData(10));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ((*w)->bytes_written(), 20u);
  EXPECT_EQ((*w)->Write(TestData(10)).error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ((*w)->Commit().error().code(), ErrorCode::kResourceExhausted);
  (*w)->Abort();
  EXPECT_EQ(mem_.temporary_count(), 0u);
  EXPECT_TRUE(faulty_.List()->empty());
  // The fault fired once; the next upload goes through.
  EXPECT_TRUE(Upload(faulty_, TestData(100)).ok());
  EXPECT_EQ(faulty_.faults_injected(), 1);
}

TEST_F(FaultyBlobStoreTest, FailsTheNthCommitAndStoresNothing) {
  ASSERT_TRUE(Upload(faulty_, TestData(100)).ok());
  faulty_.FailNthCommit(2);
  ASSERT_TRUE(Upload(faulty_, TestData(100)).ok());
  Result<BlobInfo> failed = Upload(faulty_, TestData(5000));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(mem_.temporary_count(), 0u);
  EXPECT_EQ(faulty_.List()->size(), 2u);
}

TEST_F(FaultyBlobStoreTest, FailsTheNthRead) {
  Bytes data = TestData(10000);
  Result<BlobInfo> info = Upload(faulty_, data);
  ASSERT_TRUE(info.ok());
  faulty_.FailNthRead(2, ErrorCode::kUnavailable);
  Result<Bytes> r = Download(faulty_, info->id, info->wrapped_key, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(*Download(faulty_, info->id, info->wrapped_key, 1000) == data);
}

TEST_F(FaultyBlobStoreTest, FailsTheNextCreate) {
  faulty_.FailNextCreate();
  EXPECT_EQ(faulty_.Create(10).error().code(), ErrorCode::kResourceExhausted);
  EXPECT_TRUE(faulty_.Create(10).ok());
}

}  // namespace
}  // namespace custody::blob
