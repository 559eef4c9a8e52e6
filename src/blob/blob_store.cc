#include "blob/blob_store.h"

namespace custody::blob {

BlobWriter::~BlobWriter() = default;
BlobReader::~BlobReader() = default;
BlobStore::~BlobStore() = default;

std::string BlobKeyContext(const BlobId& id) { return "custody.blob:" + id.str(); }

}  // namespace custody::blob
