#include "audit/note.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <optional>
#include <string>
#include <vector>

#include "base/encoding.h"

namespace custody::audit {
namespace {

// The error code of a Result or Status, or nullopt if it succeeded (so an unexpected success
// fails the expectation instead of tripping Result's assert).
template <typename R>
std::optional<ErrorCode> CodeOf(const R& r) {
  if (r.ok()) return std::nullopt;
  return r.error().code();
}

// The example of the C2SP signed-note spec (as quoted by several independent implementations;
// the current spec text no longer carries it).
constexpr std::string_view kSpecKey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr std::string_view kSpecText = "This is an example message.\n";
constexpr std::string_view kSpecNote =
    "This is an example message.\n"
    "\n"
    "— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

// golang.org/x/mod/sumdb/note tests: PeterNeumann's signing key (Go's "PRIVATE+KEY+..." text,
// whose last field is base64(0x01 || seed)), its verifier key, a second key and both signatures.
constexpr std::string_view kPeterSeedB64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kPeterKey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kEnochKey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr std::string_view kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterSig =
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kEnochSig =
    "— EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

Bytes PeterSeed() {
  Bytes typed = *Base64Decode(kPeterSeedB64);
  return Bytes(typed.begin() + 1, typed.end());
}

NoteVerifier MustParse(std::string_view key) {
  Result<NoteVerifier> v = NoteVerifier::Parse(key);
  EXPECT_TRUE(v.ok()) << key << ": " << v.error().ToString();
  return std::move(v).value();
}

// A signer whose seed is `fill` repeated.
NoteSigner TestSigner(std::string_view name, uint8_t fill) {
  const Bytes seed(32, fill);
  Result<NoteSigner> s = NoteSigner::Create(name, seed);
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

// The signature line a signer adds for `text`.
std::string SignatureLine(const NoteSigner& signer, std::string_view text) {
  const std::string note = *signer.Sign(text);
  return note.substr(text.size() + 1);
}

TEST(NoteTest, SpecExampleVerifies) {
  const NoteVerifier v = MustParse(kSpecKey);
  EXPECT_EQ(v.name(), "example.com/foo");
  EXPECT_EQ(v.key_id(), 0x530d903au);
  EXPECT_EQ(v.ToString(), kSpecKey);
  Result<std::string> text = OpenNote(kSpecNote, std::span(&v, 1));
  ASSERT_TRUE(text.ok()) << text.error().ToString();
  EXPECT_EQ(*text, kSpecText);
}

TEST(NoteTest, KeyIdIsTheTruncatedHashOfNameTypeAndKey) {
  const NoteVerifier v = MustParse(kSpecKey);
  std::string input = "example.com/foo\n";
  input += '\x01';
  input.append(AsChars(v.public_key()));
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(input.data()), input.size(), digest);
  EXPECT_EQ(HexEncode(std::span<const uint8_t>(digest, 4)), "530d903a");

  // A verifier key whose ID does not match its name and key is rejected.
  EXPECT_EQ(CodeOf(NoteVerifier::Parse(
                "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(NoteVerifier::Parse(
                "example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")),
            ErrorCode::kInvalidArgument);
}

// Ed25519 is deterministic, so the same seed must give Go's exact bytes.
TEST(NoteTest, SigningReproducesTheGoReferenceNote) {
  Result<NoteSigner> signer = NoteSigner::Create("PeterNeumann", PeterSeed());
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(signer->key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer->VerifierKey(), kPeterKey);
  Result<std::string> note = signer->Sign(kGoText);
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(*note, Cat({kGoText, "\n", kPeterSig}));
}

TEST(NoteTest, OpensTheGoReferenceNoteWithEitherKey) {
  const std::string note = Cat({kGoText, "\n", kPeterSig, kEnochSig});
  const NoteVerifier peter = MustParse(kPeterKey);
  const NoteVerifier enoch = MustParse(kEnochKey);
  for (const std::vector<NoteVerifier>& verifiers :
       std::vector<std::vector<NoteVerifier>>{{peter}, {enoch}, {peter, enoch}, {enoch, peter}}) {
    Result<std::string> text = OpenNote(note, verifiers);
    ASSERT_TRUE(text.ok()) << text.error().ToString();
    EXPECT_EQ(*text, kGoText);
  }
  Result<std::string> none = OpenNote(note, {});
  EXPECT_EQ(CodeOf(none), ErrorCode::kDataLoss);
}

TEST(NoteTest, RoundTripsWithSeedAndWithSecretKey) {
  const NoteSigner from_seed = TestSigner("custody.test/audit", 7);
  const NoteVerifier v = MustParse(from_seed.VerifierKey());
  EXPECT_EQ(v.key_id(), from_seed.key_id());
  EXPECT_EQ(v.public_key(), from_seed.public_key());

  for (std::string_view text :
       {"a\n", "\n", "two\n\nparagraphs\n\n", "h\xC3\xA9llo \xE2\x9C\x93\n"}) {
    Result<std::string> note = from_seed.Sign(text);
    ASSERT_TRUE(note.ok()) << text;
    Result<std::string> opened = OpenNote(*note, std::span(&v, 1));
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    EXPECT_EQ(*opened, text);
  }

  // The 64-byte libsodium form (seed || public key) is the same key.
  Bytes secret(32, 7);
  secret.insert(secret.end(), from_seed.public_key().begin(), from_seed.public_key().end());
  Result<NoteSigner> from_secret = NoteSigner::Create("custody.test/audit", secret);
  ASSERT_TRUE(from_secret.ok());
  EXPECT_EQ(*from_secret->Sign("x\n"), *from_seed.Sign("x\n"));

  secret.back() ^= 1;  // public half no longer matches the seed
  EXPECT_EQ(CodeOf(NoteSigner::Create("custody.test/audit", secret)), ErrorCode::kInvalidArgument);
  for (size_t size : {0, 31, 33, 63, 65}) {
    EXPECT_EQ(CodeOf(NoteSigner::Create("n", Bytes(size, 1))), ErrorCode::kInvalidArgument) << size;
  }
}

TEST(NoteTest, SignRejectsTextThatCannotBeANote) {
  const NoteSigner signer = TestSigner("k", 1);
  for (std::string_view text : {
           std::string_view(""), std::string_view("no final newline"),
           std::string_view("tab\there\n"), std::string_view("crlf\r\n"),
           std::string_view("nul\0\n", 5), std::string_view("\x1b[31m\n"),
           std::string_view("\xff\n"),              // not UTF-8
           std::string_view("\xC0\xAF\n"),          // overlong '/'
           std::string_view("\xED\xA0\x80\n"),      // surrogate
           std::string_view("\xE2\x80\n"),          // truncated em dash
           std::string_view("\xF4\x90\x80\x80\n"),  // above U+10FFFF
       }) {
    Result<std::string> note = signer.Sign(text);
    ASSERT_FALSE(note.ok()) << text;
    EXPECT_EQ(CodeOf(note), ErrorCode::kInvalidArgument);
  }
}

TEST(NoteTest, KeyNamesMustHaveNoSpacePlusOrControl) {
  EXPECT_TRUE(IsValidKeyName("example.com/log42"));
  EXPECT_TRUE(IsValidKeyName("caf\xC3\xA9"));
  for (std::string_view name : {"", "a b", "a+b", "a\tb", "a\nb",
                                "a\xC2\xA0"
                                "b",
                                "a\xE3\x80\x80"
                                "b",
                                "a\xE2\x80\xA8"
                                "b",
                                "\xff"}) {
    EXPECT_FALSE(IsValidKeyName(name)) << name;
    EXPECT_EQ(CodeOf(NoteSigner::Create(name, Bytes(32, 1))), ErrorCode::kInvalidArgument);
  }
}

TEST(NoteTest, TamperedNotesFailWithDataLoss) {
  const NoteVerifier v = MustParse(kSpecKey);
  std::string text_changed(kSpecNote);
  text_changed[0] = 't';
  EXPECT_EQ(CodeOf(OpenNote(text_changed, std::span(&v, 1))), ErrorCode::kDataLoss);

  std::string extra_line = Cat({"Injected line.\n", kSpecNote});
  EXPECT_EQ(CodeOf(OpenNote(extra_line, std::span(&v, 1))), ErrorCode::kDataLoss);

  // Flip a signature byte (after the key ID) and re-encode.
  const NoteSigner signer = TestSigner("k", 2);
  const NoteVerifier kv = MustParse(signer.VerifierKey());
  const std::string line = SignatureLine(signer, "hello\n");
  Bytes sig =
      *Base64Decode(line.substr(line.find(' ', 4) + 1, line.size() - line.find(' ', 4) - 2));
  sig[10] ^= 1;
  const std::string forged = "hello\n\n— k " + Base64Encode(sig) + "\n";
  Result<std::string> r = OpenNote(forged, std::span(&kv, 1));
  ASSERT_EQ(CodeOf(r), ErrorCode::kDataLoss);
  EXPECT_NE(r.error().message().find("does not verify"), std::string::npos);
}

TEST(NoteTest, UnknownKeysAreIgnoredButOneKnownKeyMustVerify) {
  const NoteSigner a = TestSigner("log.test/a", 1);
  const NoteSigner b = TestSigner("log.test/b", 2);
  const std::string text = "checkpoint body\n";
  const std::string note = *a.Sign(text) + SignatureLine(b, text);
  const NoteVerifier va = MustParse(a.VerifierKey());
  const NoteVerifier vb = MustParse(b.VerifierKey());

  EXPECT_EQ(*OpenNote(note, std::span(&vb, 1)), text);
  EXPECT_EQ(*OpenNote(note, std::span(&va, 1)), text);

  // Same name as a signer but another key (so another ID): unknown, hence ignored.
  const NoteSigner impostor = TestSigner("log.test/a", 3);
  const NoteVerifier vi = MustParse(impostor.VerifierKey());
  Result<std::string> r = OpenNote(note, std::span(&vi, 1));
  ASSERT_EQ(CodeOf(r), ErrorCode::kDataLoss);
  EXPECT_NE(r.error().message().find("no valid signature"), std::string::npos);

  // A line with a known name and ID that fails rejects the note even if another key verifies.
  const std::string bad_b = SignatureLine(b, "other text\n");
  const std::string mixed = *a.Sign(text) + bad_b;
  const std::vector<NoteVerifier> both = {va, vb};
  EXPECT_EQ(CodeOf(OpenNote(mixed, both)), ErrorCode::kDataLoss);
  EXPECT_EQ(*OpenNote(mixed, std::span(&va, 1)), text);  // b unknown: its line is ignored
}

TEST(NoteTest, AcceptsManySignaturesAndCapsThem) {
  const std::string text = "witnessed\n";
  std::vector<NoteSigner> signers;
  std::string note = text + "\n";
  for (int i = 0; i < 20; ++i) {
    signers.push_back(TestSigner("witness.test/" + std::to_string(i), uint8_t(i + 10)));
    note += SignatureLine(signers.back(), text);
  }
  const NoteVerifier last = MustParse(signers.back().VerifierKey());
  EXPECT_EQ(*OpenNote(note, std::span(&last, 1)), text);
  std::vector<NoteVerifier> all;
  for (const NoteSigner& s : signers) all.push_back(MustParse(s.VerifierKey()));
  EXPECT_EQ(*OpenNote(note, all), text);

  // The same known signature repeated is checked once and accepted...
  const NoteVerifier peter = MustParse(kPeterKey);
  EXPECT_EQ(*OpenNote(Cat({kGoText, "\n", kPeterSig, kPeterSig}), std::span(&peter, 1)), kGoText);
  // ...but more than kMaxNoteSignatures lines are refused before any verification.
  std::string flood = Cat({kGoText, "\n"});
  for (size_t i = 0; i <= kMaxNoteSignatures; ++i) flood += kPeterSig;
  EXPECT_EQ(CodeOf(OpenNote(flood, std::span(&peter, 1))), ErrorCode::kInvalidArgument);
}

TEST(NoteTest, MalformedNotesAreInvalidArgument) {
  const NoteVerifier peter = MustParse(kPeterKey);
  const std::string sig(kPeterSig);
  const std::string text(kGoText);
  const std::vector<std::string> bad = {
      text,                                                            // no signatures
      text + "\n",                                                     // blank line, no signatures
      text + "\n" + sig.substr(0, sig.size() - 1),                     // no final newline
      "\x01" + text + "\n" + sig,                                      // control character
      "\xff" + text + "\n" + sig,                                      // invalid UTF-8
      text + "\n" + "— Bad Name " + sig.substr(sig.find(' ', 4) + 1),  // space in name
      text + "\n" + sig + "Unexpected line.\n",                        // trailing junk
      text + "\n" + "- PeterNeumann " + sig.substr(sig.find(' ', 4) + 1),  // hyphen, not em dash
      text + "\n" + "—PeterNeumann " + sig.substr(sig.find(' ', 4) + 1),   // no space after dash
      text + "\n" + "— PeterNeumann\n",                                    // no signature
      text + "\n" + "— PeterNeumann x08go/ZJ\n",                           // ID + 2 bytes
      text + "\n" + "— PeterNeumann x08gow==\n",                           // 4 bytes: only an ID
      text + "\n" + "— PeterNeumann !!notbase64!!\n",
      text + "\n" + "— PeterNeumann " + sig.substr(sig.find(' ', 4) + 1, 23) + "\n",  // unpadded
      text + "\n" + "— a+b " + sig.substr(sig.find(' ', 4) + 1),                      // '+' in name
  };
  for (const std::string& note : bad) {
    Result<std::string> r = OpenNote(note, std::span(&peter, 1));
    ASSERT_FALSE(r.ok()) << note;
    // "x08go/ZJ" carries Peter's key ID, so it is well-formed but its 2-byte signature fails.
    const ErrorCode want =
        note.ends_with("x08go/ZJ\n") ? ErrorCode::kDataLoss : ErrorCode::kInvalidArgument;
    EXPECT_EQ(CodeOf(r), want) << note << " -> " << r.error().ToString();
  }
}

TEST(NoteTest, AmbiguousVerifiersAreRefused) {
  const NoteVerifier peter = MustParse(kPeterKey);
  const std::vector<NoteVerifier> twice = {peter, peter};
  EXPECT_EQ(CodeOf(OpenNote(Cat({kGoText, "\n", kPeterSig}), twice)), ErrorCode::kInvalidArgument);
}

// golang.org/x/mod's TestNewVerifier: every proper substring and every single-byte change of a
// verifier key must be rejected.
TEST(NoteTest, VerifierKeyManglingsAreRejected) {
  std::string key(kPeterKey);
  for (size_t i = 0; i <= key.size(); ++i) {
    for (size_t j = i + 1; j <= key.size(); ++j) {
      if (i == 0 && j == key.size()) continue;
      EXPECT_FALSE(NoteVerifier::Parse(key.substr(i, j - i)).ok()) << key.substr(i, j - i);
    }
  }
  for (size_t i = 0; i < key.size(); ++i) {
    ++key[i];
    EXPECT_FALSE(NoteVerifier::Parse(key).ok()) << key;
    --key[i];
  }
  // Wrong key length and unknown algorithm, each with a key ID adjusted to match.
  EXPECT_FALSE(NoteVerifier::Parse(
                   "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
                   .ok());
  EXPECT_FALSE(
      NoteVerifier::Parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
          .ok());
  // Upper-case hex is read; the canonical form is lower-case.
  Result<NoteVerifier> upper =
      NoteVerifier::Parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->ToString(), kPeterKey);
}

}  // namespace
}  // namespace custody::audit
