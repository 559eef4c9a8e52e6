#include "blob/faulty_blob_store.h"

#include <optional>
#include <string>

namespace custody::blob {

class FaultyBlobStore::Writer final : public BlobWriter {
 public:
  Writer(FaultyBlobStore& store, std::unique_ptr<BlobWriter> target)
      : store_(store), target_(std::move(target)) {}

  Status Write(std::span<const uint8_t> data) override {
    if (error_.has_value()) return *error_;
    if (auto e = store_.Count(store_.writes_, store_.write_fault_, "write")) {
      error_ = *e;
      return *e;
    }
    return target_->Write(data);
  }

  Result<BlobInfo> Commit() override {
    if (error_.has_value()) return *error_;
    if (auto e = store_.Count(store_.commits_, store_.commit_fault_, "commit")) {
      error_ = *e;
      target_->Abort();
      return *e;
    }
    return target_->Commit();
  }

  void Abort() override { target_->Abort(); }
  uint64_t bytes_written() const override { return target_->bytes_written(); }

 private:
  FaultyBlobStore& store_;
  std::unique_ptr<BlobWriter> target_;
  std::optional<Error> error_;
};

class FaultyBlobStore::Reader final : public BlobReader {
 public:
  Reader(FaultyBlobStore& store, std::unique_ptr<BlobReader> target)
      : store_(store), target_(std::move(target)) {}

  Result<size_t> Read(std::span<uint8_t> out) override {
    if (auto e = store_.Count(store_.reads_, store_.read_fault_, "read")) return *e;
    return target_->Read(out);
  }
  uint64_t size() const override { return target_->size(); }

 private:
  FaultyBlobStore& store_;
  std::unique_ptr<BlobReader> target_;
};

void FaultyBlobStore::FailNthWrite(int n, ErrorCode code) {
  write_fault_.code = code;
  write_fault_.at = writes_.load() + n;
}

void FaultyBlobStore::FailNthCommit(int n, ErrorCode code) {
  commit_fault_.code = code;
  commit_fault_.at = commits_.load() + n;
}

void FaultyBlobStore::FailNthRead(int n, ErrorCode code) {
  read_fault_.code = code;
  read_fault_.at = reads_.load() + n;
}

void FaultyBlobStore::FailNextCreate(ErrorCode code) {
  create_code_ = code;
  fail_create_ = true;
}

std::optional<Error> FaultyBlobStore::Count(std::atomic<int>& counter, Fault& fault,
                                            const char* what) {
  const int n = ++counter;
  int armed = n;
  // Exactly one call sees its number match and disarms the fault.
  if (fault.at.compare_exchange_strong(armed, 0)) {
    ++injected_;
    return Error(fault.code.load(), std::string("injected ") + what + " failure");
  }
  return std::nullopt;
}

Result<std::unique_ptr<BlobWriter>> FaultyBlobStore::Create(uint64_t max_size) {
  if (fail_create_.exchange(false)) {
    ++injected_;
    return Error(create_code_.load(), "injected create failure");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> w, target_.Create(max_size));
  return std::unique_ptr<BlobWriter>(std::make_unique<Writer>(*this, std::move(w)));
}

Result<std::unique_ptr<BlobReader>> FaultyBlobStore::Open(const BlobId& id,
                                                          std::span<const uint8_t> wrapped_key) {
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> r, target_.Open(id, wrapped_key));
  return std::unique_ptr<BlobReader>(std::make_unique<Reader>(*this, std::move(r)));
}

}  // namespace custody::blob
