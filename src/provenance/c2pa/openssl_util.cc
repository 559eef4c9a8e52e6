#include "provenance/c2pa/openssl_util.h"

#include <openssl/err.h>
#include <openssl/objects.h>

namespace custody::provenance::openssl_util {

X509Ptr ParseCertificate(std::span<const uint8_t> der) {
  if (der.empty() || der.size() > kMaxCertificateSize) return nullptr;
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert == nullptr || p != der.data() + der.size()) {
    ERR_clear_error();
    return nullptr;
  }
  return cert;
}

std::string OpenSslError() {
  const unsigned long code = ERR_peek_last_error();
  std::string text = "unknown error";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

std::string NidName(int nid) {
  const char* name = OBJ_nid2sn(nid);
  return name != nullptr ? name : "NID " + std::to_string(nid);
}

}  // namespace custody::provenance::openssl_util
