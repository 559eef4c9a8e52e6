#include "audit/checkpoint.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "audit/merkle.h"
#include "audit/note.h"
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

constexpr std::string_view kOrigin = "custody.test/audit";

Hash HashFromBase64(std::string_view b64) {
  const std::optional<Bytes> bytes = Base64Decode(b64);
  EXPECT_TRUE(bytes.has_value() && bytes->size() == 32) << b64;
  Hash h{};
  if (bytes && bytes->size() == 32) std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// The example body of the tlog-checkpoint spec.
constexpr std::string_view kSpecBody =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

// The example of the tlog-proof spec, verbatim (its signatures are elided with "[...]", so the
// checkpoint parses as a tlog-proof but cannot be opened).
constexpr std::string_view kSpecProof =
    "c2sp.org/tlog-proof@v1\n"
    "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
    "index 73894\n"
    "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
    "B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"
    "EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
    "RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
    "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
    "\n"
    "example.com/fancylog\n"
    "109482\n"
    "sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"
    "\n"
    "— example.com/fancylog hI2DJw[...]1roloI=\n"
    "— witness1.example mJirIklj[...]qY9v2B/5bg==\n"
    "— witness2.example TnKKVHLX[...]xwYwrSjgow==\n"
    "— witness3.example S4X82uH5[...]3oEcROGLFQ==\n";

NoteSigner TestSigner(std::string_view name, uint8_t fill) {
  Result<NoteSigner> s = NoteSigner::Create(name, Bytes(32, fill));
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

TEST(CheckpointTest, FormatsAndParsesTheSpecExample) {
  const Checkpoint cp{"example.com/behind-the-sofa", 20852163,
                      HashFromBase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")};
  EXPECT_EQ(FormatCheckpointBody(cp), kSpecBody);
  Result<Checkpoint> parsed = ParseCheckpointBody(kSpecBody);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(*parsed, cp);
}

TEST(CheckpointTest, RoundTripsEdgeValues) {
  for (const Checkpoint& cp :
       {Checkpoint{"o", 0, EmptyRoot()}, Checkpoint{"caf\xC3\xA9 log", 1, LeafHash({})},
        Checkpoint{std::string(kOrigin), std::numeric_limits<uint64_t>::max(), Hash{}}}) {
    const std::string body = FormatCheckpointBody(cp);
    Result<Checkpoint> parsed = ParseCheckpointBody(body);
    ASSERT_TRUE(parsed.ok()) << body;
    EXPECT_EQ(*parsed, cp);
  }
  EXPECT_EQ(FormatCheckpointBody({"o", 0, EmptyRoot()}),
            "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
}

TEST(CheckpointTest, ExtensionLinesAreAcceptedAndIgnored) {
  Result<Checkpoint> parsed = ParseCheckpointBody(std::string(kSpecBody) + "ext one\nx\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, *ParseCheckpointBody(kSpecBody));
}

TEST(CheckpointTest, ParseIsStrict) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::vector<std::string> bad = {
      "",
      "o\n1\n",                 // two lines
      "o\n1\n" + root,          // no final newline
      "\n1\n" + root + "\n",    // empty origin
      "o\n01\n" + root + "\n",  // leading zero
      "o\n00\n" + root + "\n",
      "o\n-1\n" + root + "\n",
      "o\n+1\n" + root + "\n",
      "o\n1a\n" + root + "\n",
      "o\n 1\n" + root + "\n",
      "o\n\n" + root + "\n",                                   // empty size
      "o\n18446744073709551616\n" + root + "\n",               // 2^64
      "o\n1\n" + root.substr(0, 43) + "\n",                    // unpadded
      "o\n1\n" + root + " \n",                                 // trailing space
      "o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n",  // base64url alphabet
      "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",  // non-canonical last bits
      "o\n1\n" + Base64Encode(Bytes(31, 0)) + "\n",
      "o\n1\n" + Base64Encode(Bytes(33, 0)) + "\n",
      "o\n1\n" + root + "\n\n",  // empty extension line
      "o\n1\n" + root + "\next\n\n",
      "o\r\n1\r\n" + root + "\r\n",  // CRLF
      "o\tp\n1\n" + root + "\n",     // control character
      "\xff\n1\n" + root + "\n",     // invalid UTF-8
  };
  for (const std::string& body : bad) {
    Result<Checkpoint> r = ParseCheckpointBody(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(CodeOf(r), ErrorCode::kInvalidArgument) << body;
  }
  EXPECT_EQ(ParseCheckpointBody("o\n18446744073709551615\n" + root + "\n")->size,
            std::numeric_limits<uint64_t>::max());
}

TEST(CheckpointTest, OriginValidation) {
  EXPECT_TRUE(ValidateOrigin(kOrigin).ok());
  EXPECT_TRUE(ValidateOrigin("any text at all").ok());  // spaces are only discouraged
  for (std::string_view origin : {"", "a\nb", "a\tb", "\xff"}) {
    EXPECT_EQ(CodeOf(ValidateOrigin(origin)), ErrorCode::kInvalidArgument) << origin;
  }
}

TEST(CheckpointTest, OpenCheckpointChecksSignatureAndOrigin) {
  const NoteSigner log = TestSigner(kOrigin, 5);
  const NoteVerifier v = *NoteVerifier::Parse(log.VerifierKey());
  const Checkpoint cp{std::string(kOrigin), 42, LeafHash(AsBytes("x"))};
  const std::string signed_cp = *log.Sign(FormatCheckpointBody(cp));

  Result<Checkpoint> opened = OpenCheckpoint(signed_cp, kOrigin, std::span(&v, 1));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(*opened, cp);

  EXPECT_EQ(CodeOf(OpenCheckpoint(signed_cp, "other.test/log", std::span(&v, 1))),
            ErrorCode::kDataLoss);
  const NoteVerifier stranger = *NoteVerifier::Parse(TestSigner(kOrigin, 6).VerifierKey());
  EXPECT_EQ(CodeOf(OpenCheckpoint(signed_cp, kOrigin, std::span(&stranger, 1))),
            ErrorCode::kDataLoss);
  std::string bumped = signed_cp;
  bumped.replace(bumped.find("\n42\n"), 4, "\n43\n");
  EXPECT_EQ(CodeOf(OpenCheckpoint(bumped, kOrigin, std::span(&v, 1))), ErrorCode::kDataLoss);
  EXPECT_EQ(CodeOf(OpenCheckpoint(*log.Sign("not a checkpoint\n"), kOrigin, std::span(&v, 1))),
            ErrorCode::kInvalidArgument);
}

TEST(TlogProofTest, ParsesAndReformatsTheSpecExample) {
  Result<TlogProof> proof = ParseTlogProof(kSpecProof);
  ASSERT_TRUE(proof.ok()) << proof.error().ToString();
  EXPECT_EQ(proof->index, 73894u);
  ASSERT_EQ(proof->path.size(), 5u);
  EXPECT_EQ(Base64Encode(proof->path[0]), "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=");
  EXPECT_EQ(Base64Encode(proof->path[4]), "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=");
  ASSERT_TRUE(proof->extra.has_value());
  EXPECT_TRUE(std::string(AsChars(*proof->extra)).starts_with("age-v1.2.1-darwin-arm64.tar.gz"));
  EXPECT_TRUE(proof->signed_checkpoint.starts_with("example.com/fancylog\n109482\n"));
  EXPECT_TRUE(proof->signed_checkpoint.ends_with("3oEcROGLFQ==\n"));

  const std::span<const uint8_t> extra(*proof->extra);
  EXPECT_EQ(FormatTlogProof(proof->index, proof->path, proof->signed_checkpoint, extra),
            kSpecProof);
}

TEST(TlogProofTest, RoundTrips) {
  const std::string cp = "log\n3\n" + Base64Encode(EmptyRoot()) + "\n\n— log AAAAAAA=\n";
  const std::vector<Hash> path = {LeafHash(AsBytes("a")), LeafHash(AsBytes("b"))};

  const std::string plain = FormatTlogProof(7, path, cp);
  EXPECT_EQ(plain, "c2sp.org/tlog-proof@v1\nindex 7\n" + Base64Encode(path[0]) + "\n" +
                       Base64Encode(path[1]) + "\n\n" + cp);
  Result<TlogProof> parsed = ParseTlogProof(plain);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->extra.has_value());
  EXPECT_EQ(parsed->index, 7u);
  EXPECT_EQ(parsed->path, path);
  EXPECT_EQ(parsed->signed_checkpoint, cp);

  // No path (a one-leaf tree) and an empty "extra".
  const std::string bare = FormatTlogProof(0, {}, cp, std::span<const uint8_t>());
  EXPECT_EQ(bare, "c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n" + cp);
  parsed = ParseTlogProof(bare);
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(parsed->extra.has_value());
  EXPECT_TRUE(parsed->extra->empty());
  EXPECT_TRUE(parsed->path.empty());
  EXPECT_EQ(parsed->index, 0u);
}

TEST(TlogProofTest, ParseIsStrict) {
  const std::string h = Base64Encode(LeafHash(AsBytes("a")));
  const std::string cp = "log\n1\n" + h + "\n\n— log AAAAAAA=\n";
  const std::string head = "c2sp.org/tlog-proof@v1\n";
  std::string too_long = head + "index 1\n";
  for (size_t i = 0; i <= kMaxInclusionPathLength; ++i) too_long += h + "\n";
  too_long += "\n" + cp;
  const std::vector<std::string> bad = {
      "",
      "c2sp.org/tlog-proof@v2\nindex 0\n\n" + cp,
      "c2sp.org/tlog-proof@v1 \nindex 0\n\n" + cp,
      head + "\n\n" + cp,  // no index
      head + "index\n\n" + cp,
      head + "index \n\n" + cp,
      head + "index 01\n\n" + cp,
      head + "index -5\n\n" + cp,
      head + "index 18446744073709551616\n\n" + cp,
      head + "extra !!notbase64!!\nindex 0\n\n" + cp,
      head + "index 0\nextra AAAA\n\n" + cp,  // extra after index
      head + "index 0\n!!notbase64!!\n\n" + cp,
      head + "index 0\n" + Base64Encode(Bytes(64, 0)) + "\n\n" + cp,
      head + "index 0\n" + h.substr(0, 43) + "\n\n" + cp,
      head + "index 0\n" + h + "\n",    // no blank line
      head + "index 0\n" + h + "\n\n",  // no checkpoint
      head + "index 0\n" + h,
      "c2sp.org/tlog-proof@v1\r\nindex 0\r\n\r\n" + cp,
      too_long,
  };
  for (const std::string& text : bad) {
    Result<TlogProof> r = ParseTlogProof(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(CodeOf(r), ErrorCode::kInvalidArgument) << text;
  }
}

// A log of 13 entries issues a receipt for each; an offline verifier holding only the log's
// public key and origin checks them.
TEST(TlogProofTest, VerifiesReceiptsEndToEnd) {
  MerkleTree tree;
  for (int i = 0; i < 13; ++i) tree.Append(LeafHash(AsBytes("entry " + std::to_string(i))));
  const NoteSigner log = TestSigner(kOrigin, 9);
  const NoteSigner witness = TestSigner("witness.test/w1", 10);
  const std::string body = FormatCheckpointBody({std::string(kOrigin), tree.size(), tree.Root()});
  // The log signs; a witness adds its line (unknown to a verifier that only trusts the log).
  const std::string signed_cp = *log.Sign(body) + witness.Sign(body)->substr(body.size() + 1);
  const NoteVerifier log_key = *NoteVerifier::Parse(log.VerifierKey());
  const NoteVerifier witness_key = *NoteVerifier::Parse(witness.VerifierKey());
  const std::vector<NoteVerifier> both = {log_key, witness_key};

  for (uint64_t i = 0; i < tree.size(); ++i) {
    const Bytes extra = {uint8_t(i)};
    const std::string receipt =
        FormatTlogProof(i, *tree.InclusionProof(i, tree.size()), signed_cp, extra);
    Result<VerifiedTlogProof> v = VerifyTlogProof(receipt, tree.leaf(i), kOrigin, both);
    ASSERT_TRUE(v.ok()) << v.error().ToString();
    EXPECT_EQ(v->index, i);
    EXPECT_EQ(v->checkpoint.size, tree.size());
    EXPECT_EQ(v->checkpoint.root, tree.Root());
    EXPECT_EQ(v->extra, extra);
    EXPECT_TRUE(VerifyTlogProof(receipt, tree.leaf(i), kOrigin, std::span(&log_key, 1)).ok());

    // The wrong entry, a different index, another log, an untrusted key.
    EXPECT_EQ(CodeOf(VerifyTlogProof(receipt, tree.leaf((i + 1) % 13), kOrigin, both)),
              ErrorCode::kDataLoss);
    std::string moved = receipt;
    const std::string index_line = "index " + std::to_string(i) + "\n";
    moved.replace(moved.find(index_line), index_line.size(),
                  "index " + std::to_string((i + 1) % 13) + "\n");
    EXPECT_EQ(CodeOf(VerifyTlogProof(moved, tree.leaf(i), kOrigin, both)), ErrorCode::kDataLoss);
    EXPECT_EQ(CodeOf(VerifyTlogProof(receipt, tree.leaf(i), "other.test/log", both)),
              ErrorCode::kDataLoss);
    const NoteVerifier stranger = *NoteVerifier::Parse(TestSigner(kOrigin, 11).VerifierKey());
    EXPECT_EQ(CodeOf(VerifyTlogProof(receipt, tree.leaf(i), kOrigin, std::span(&stranger, 1))),
              ErrorCode::kDataLoss);
  }

  // Index beyond the checkpoint's size.
  const std::string beyond = FormatTlogProof(13, *tree.InclusionProof(12, 13), signed_cp);
  EXPECT_EQ(CodeOf(VerifyTlogProof(beyond, tree.leaf(12), kOrigin, both)), ErrorCode::kDataLoss);
  // A malformed receipt is InvalidArgument, not DataLoss.
  EXPECT_EQ(CodeOf(VerifyTlogProof("junk\n", tree.leaf(0), kOrigin, both)),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace custody::audit
