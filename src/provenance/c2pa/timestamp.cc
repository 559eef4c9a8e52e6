#include "provenance/c2pa/timestamp.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <utility>

namespace custody::provenance {
namespace {

struct TsReqFree {
  void operator()(TS_REQ* p) const { TS_REQ_free(p); }
};
struct TsRespFree {
  void operator()(TS_RESP* p) const { TS_RESP_free(p); }
};
struct TsMsgImprintFree {
  void operator()(TS_MSG_IMPRINT* p) const { TS_MSG_IMPRINT_free(p); }
};
struct TsTstInfoFree {
  void operator()(TS_TST_INFO* p) const { TS_TST_INFO_free(p); }
};
struct X509AlgorFree {
  void operator()(X509_ALGOR* p) const { X509_ALGOR_free(p); }
};
struct Asn1IntegerFree {
  void operator()(ASN1_INTEGER* p) const { ASN1_INTEGER_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct CmsFree {
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

template <typename T, typename F>
Bytes ToDer(T* obj, F i2d) {
  const int len = i2d(obj, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (i2d(obj, &p) != len) return {};
  return out;
}

// A DER TLV at `pos`: the header size and the content length, or nullopt if it does not fit in
// `d` (or uses the BER indefinite form or a multi-byte tag, which a DER TimeStampResp never
// does).
std::optional<std::pair<size_t, size_t>> ReadTlv(std::span<const uint8_t> d, size_t pos) {
  if (pos >= d.size() || d.size() - pos < 2 || (d[pos] & 0x1F) == 0x1F) return std::nullopt;
  const uint8_t first = d[pos + 1];
  size_t header = 2;
  size_t length = first;
  if (first & 0x80) {
    const size_t n = first & 0x7F;
    if (n == 0 || n > sizeof(size_t) || d.size() - pos - 2 < n) return std::nullopt;
    length = 0;
    for (size_t i = 0; i < n; ++i) length = (length << 8) | d[pos + 2 + i];
    header += n;
  }
  if (d.size() - pos - header < length) return std::nullopt;
  return std::make_pair(header, length);
}

// The exact bytes of the TimeStampToken inside a DER TimeStampResp
// (SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }), so the token is
// embedded as the TSA wrote it rather than as OpenSSL would re-encode it.
std::optional<Bytes> SliceToken(std::span<const uint8_t> response) {
  auto outer = ReadTlv(response, 0);
  if (!outer || response[0] != 0x30) return std::nullopt;
  const size_t end = outer->first + outer->second;
  auto status = ReadTlv(response.first(end), outer->first);
  if (!status) return std::nullopt;
  const size_t token_pos = outer->first + status->first + status->second;
  auto token = ReadTlv(response.first(end), token_pos);
  if (!token || token_pos + token->first + token->second != end) return std::nullopt;
  return Bytes(response.begin() + token_pos,
               response.begin() + token_pos + token->first + token->second);
}

const EVP_MD* ImprintDigest(int nid) {
  switch (nid) {
    case NID_sha256:
      return EVP_sha256();
    case NID_sha384:
      return EVP_sha384();
    case NID_sha512:
      return EVP_sha512();
    default:
      return nullptr;  // SHA-1 and others are not accepted for C2PA
  }
}

// GeneralizedTime "YYYYMMDDHHMMSS[.fff]Z" (RFC 3161 §2.4.2: UTC, optional fraction).
std::optional<TimePoint> ParseGeneralizedTime(const ASN1_GENERALIZEDTIME* t) {
  if (t == nullptr || ASN1_GENERALIZEDTIME_check(t) != 1) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                           day{static_cast<unsigned>(tm.tm_mday)}};
  if (!ymd.ok()) return std::nullopt;
  TimePoint out = time_point_cast<microseconds>(sys_days(ymd)) + hours(tm.tm_hour) +
                  minutes(tm.tm_min) + seconds(tm.tm_sec);
  // ASN1_TIME_to_tm drops the fraction of a second; keep it to the microsecond.
  const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(t));
  const std::string_view s(data, static_cast<size_t>(ASN1_STRING_length(t)));
  if (s.size() > 15 && s[14] == '.') {
    int64_t micros = 0;
    int digits = 0;
    for (size_t i = 15; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
      if (digits < 6) micros = micros * 10 + (s[i] - '0');
    }
    for (; digits < 6; ++digits) micros *= 10;
    out += microseconds(micros);
  }
  return out;
}

}  // namespace

Bytes MakeTimestampRequest(std::span<const uint8_t> imprint_input, Random& random) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(imprint_input.data(), imprint_input.size(), digest, &digest_len, EVP_sha256(),
                 nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  std::unique_ptr<TS_REQ, TsReqFree> req(TS_REQ_new());
  std::unique_ptr<TS_MSG_IMPRINT, TsMsgImprintFree> imprint(TS_MSG_IMPRINT_new());
  std::unique_ptr<X509_ALGOR, X509AlgorFree> algo(X509_ALGOR_new());
  if (!req || !imprint || !algo) return {};
  // sha256 with NULL parameters, as `openssl ts -query` writes it.
  if (X509_ALGOR_set0(algo.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) != 1 ||
      TS_MSG_IMPRINT_set_algo(imprint.get(), algo.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(imprint.get(), digest, static_cast<int>(digest_len)) != 1 ||
      TS_REQ_set_version(req.get(), 1) != 1 ||
      TS_REQ_set_msg_imprint(req.get(), imprint.get()) != 1) {
    ERR_clear_error();
    return {};
  }
  // A 64-bit nonce, kept positive and non-zero so every TSA accepts it as an INTEGER.
  uint8_t nonce_bytes[8];
  random.Fill(nonce_bytes);
  nonce_bytes[0] = static_cast<uint8_t>((nonce_bytes[0] & 0x7F) | 0x01);
  std::unique_ptr<BIGNUM, BnFree> bn(BN_bin2bn(nonce_bytes, sizeof(nonce_bytes), nullptr));
  std::unique_ptr<ASN1_INTEGER, Asn1IntegerFree> nonce(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr)
                                                          : nullptr);
  if (!nonce || TS_REQ_set_nonce(req.get(), nonce.get()) != 1 ||
      TS_REQ_set_cert_req(req.get(), 1) != 1) {
    ERR_clear_error();
    return {};
  }
  return ToDer(req.get(), i2d_TS_REQ);
}

Result<Bytes> TimestampTokenFromResponse(std::span<const uint8_t> response) {
  const unsigned char* p = response.data();
  std::unique_ptr<TS_RESP, TsRespFree> resp(
      d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  if (!resp || p != response.data() + response.size()) {
    ERR_clear_error();
    return InvalidArgument("time-stamp: the response is not a DER TimeStampResp");
  }
  TS_STATUS_INFO* info = TS_RESP_get_status_info(resp.get());
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
  // PKIStatus: 0 granted, 1 grantedWithMods; 2 rejection, 3 waiting, 4-5 revocation notices.
  if (status != 0 && status != 1) {
    std::string text;
    if (const STACK_OF(ASN1_UTF8STRING)* texts = TS_STATUS_INFO_get0_text(info)) {
      for (int i = 0; i < sk_ASN1_UTF8STRING_num(texts); ++i) {
        const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(texts, i);
        text += (text.empty() ? "" : "; ") +
                std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                            static_cast<size_t>(ASN1_STRING_length(s)));
      }
    }
    return Error(ErrorCode::kUnavailable, "time-stamp: the TSA refused the request (status " +
                                              std::to_string(status) +
                                              (text.empty() ? ")" : ": " + text + ")"));
  }
  PKCS7* token = TS_RESP_get_token(resp.get());
  if (token == nullptr) {
    return InvalidArgument("time-stamp: the TSA granted the request but sent no token");
  }
  if (auto raw = SliceToken(response)) return std::move(*raw);
  Bytes der = ToDer(token, i2d_PKCS7);
  if (der.empty()) {
    ERR_clear_error();
    return InvalidArgument("time-stamp: cannot encode the token");
  }
  return der;
}

namespace {

Result<TimestampInfo> ReadToken(std::span<const uint8_t> token,
                                std::span<const uint8_t> imprint_input) {
  const unsigned char* p = token.data();
  std::unique_ptr<CMS_ContentInfo, CmsFree> cms(
      d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(token.size())));
  if (!cms || p != token.data() + token.size()) {
    ERR_clear_error();
    return InvalidArgument("time-stamp: the token is not a DER CMS ContentInfo");
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return InvalidArgument("time-stamp: the token is not CMS SignedData");
  }
  if (OBJ_obj2nid(CMS_get0_eContentType(cms.get())) != NID_id_smime_ct_TSTInfo) {
    return InvalidArgument("time-stamp: the token does not carry a TSTInfo");
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (content == nullptr || *content == nullptr) {
    return InvalidArgument("time-stamp: the token's TSTInfo is missing");
  }
  const unsigned char* q = ASN1_STRING_get0_data(*content);
  const long content_len = ASN1_STRING_length(*content);
  std::unique_ptr<TS_TST_INFO, TsTstInfoFree> tst(d2i_TS_TST_INFO(nullptr, &q, content_len));
  if (!tst || q != ASN1_STRING_get0_data(*content) + content_len) {
    ERR_clear_error();
    return InvalidArgument("time-stamp: the token's TSTInfo is malformed");
  }

  TimestampInfo info;
  auto gen_time = ParseGeneralizedTime(TS_TST_INFO_get_time(tst.get()));
  if (!gen_time) return InvalidArgument("time-stamp: the token's genTime is malformed");
  info.gen_time = *gen_time;

  // The imprint: whichever SHA-2 digest the TSA used over the expected input.
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(tst.get());
  const ASN1_OBJECT* algo_oid = nullptr;
  X509_ALGOR_get0(&algo_oid, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(imprint));
  const ASN1_OCTET_STRING* digest = TS_MSG_IMPRINT_get_msg(imprint);
  if (const EVP_MD* md = ImprintDigest(OBJ_obj2nid(algo_oid)); md != nullptr && digest != nullptr) {
    unsigned char expected[EVP_MAX_MD_SIZE];
    unsigned int expected_len = 0;
    if (EVP_Digest(imprint_input.data(), imprint_input.size(), expected, &expected_len, md,
                   nullptr) == 1) {
      info.imprint_matches =
          static_cast<unsigned int>(ASN1_STRING_length(digest)) == expected_len &&
          std::memcmp(ASN1_STRING_get0_data(digest), expected, expected_len) == 0;
    }
  }

  // The certificates it carries, the signer's first.
  std::unique_ptr<STACK_OF(X509), X509StackFree> certs(CMS_get1_certs(cms.get()));
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  CMS_SignerInfo* signer = signers != nullptr && sk_CMS_SignerInfo_num(signers) > 0
                               ? sk_CMS_SignerInfo_value(signers, 0)
                               : nullptr;
  int signer_index = -1;
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) {
    if (signer != nullptr && CMS_SignerInfo_cert_cmp(signer, sk_X509_value(certs.get(), i)) == 0) {
      signer_index = i;
      break;
    }
  }
  if (signer_index >= 0)
    info.tsa_chain.push_back(ToDer(sk_X509_value(certs.get(), signer_index), i2d_X509));
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) {
    if (i != signer_index) info.tsa_chain.push_back(ToDer(sk_X509_value(certs.get(), i), i2d_X509));
  }

  // The CMS signature over the TSTInfo, with the signer certificate found in the token. Whether
  // that certificate is trusted (chain, EKU, validity at genTime) is decided by the caller, so
  // no chain is built here.
  info.signature_valid =
      signer_index >= 0 && CMS_verify(cms.get(), nullptr, nullptr, nullptr, nullptr,
                                      CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
  ERR_clear_error();
  return info;
}

}  // namespace

Result<TimestampInfo> ReadTimestampToken(std::span<const uint8_t> token,
                                         std::span<const uint8_t> imprint_input) {
  // A whole TimeStampResp (what c2pa-rs keeps in v1 sigTst) stands for the token inside it. Its
  // first element is a SEQUENCE (PKIStatusInfo); a ContentInfo's is an OID.
  auto outer = ReadTlv(token, 0);
  if (outer && token[0] == 0x30 && outer->first < token.size() && token[outer->first] == 0x30) {
    ASSIGN_OR_RETURN(Bytes inner, TimestampTokenFromResponse(token));
    return ReadToken(inner, imprint_input);
  }
  return ReadToken(token, imprint_input);
}

}  // namespace custody::provenance
