#include "mixed_text.h"

#include <algorithm>
#include <fstream>

#include "dlp/tests/regex_sample.h"

namespace custody::dlp::bench {

namespace {

using testing::SyntheticText;

// One line of personal data in a sentence, as the recall test plants them (corpus_test.cc).
std::string PiiLine(SyntheticText& t) {
  switch (t.Below(7)) {
    case 0:
      return "Customer paid with card " + t.CardNumber() + " at the web shop.\n";
    case 1:
      return "Refund to IBAN " + t.Iban() + " was approved today.\n";
    case 2:
      return "Contact: " + t.Email() + " for the delivery.\n";
    case 3:
      return "Call back on " + t.Phone() + " after lunch.\n";
    case 4:
      return "SSN on file: " + t.Ssn() + " (HR).\n";
    default:
      return "Login from " + t.PublicIpv4() + " was flagged by the firewall.\n";
  }
}

}  // namespace

MixedTextGenerator::MixedTextGenerator(const MixedTextOptions& options)
    : options_(options), text_(options.seed) {}
MixedTextGenerator::~MixedTextGenerator() = default;

Result<std::unique_ptr<MixedTextGenerator>> MixedTextGenerator::Create(
    const RuleSet* rules, const MixedTextOptions& options) {
  std::unique_ptr<MixedTextGenerator> g(new MixedTextGenerator(options));
  if (rules != nullptr && !rules->rules.empty() && options.secret_every > 0) {
    ASSIGN_OR_RETURN(auto oracle, testing::GitleaksOracle::Create(*rules));
    testing::TruePositiveOptions tp_options;
    tp_options.embeddable = true;
    for (size_t i = 0; i < rules->rules.size(); ++i) {
      if (!rules->rules[i].path.empty()) continue;  // found by path, not in text
      auto tp = testing::MakeTruePositive(*oracle, i, options.seed * 1000003 + i, tp_options);
      if (tp) g->secrets_.push_back(std::move(tp->text));
    }
  }
  if (!g->secrets_.empty()) g->next_secret_at_ = g->text_.Below(2 * options.secret_every);
  if (options.pii_every > 0) g->next_pii_at_ = g->text_.Below(2 * options.pii_every);
  return g;
}

std::string MixedTextGenerator::NextBlock() {
  std::string block = text_.Block();
  // Planted lines go between blocks, at uniformly random gaps around the configured density.
  if (!secrets_.empty() && generated_ >= next_secret_at_) {
    block += secrets_[text_.Below(secrets_.size())] + "\n";
    next_secret_at_ = generated_ + text_.Below(2 * options_.secret_every);
    ++planted_secrets_;
  }
  if (options_.pii_every > 0 && generated_ >= next_pii_at_) {
    block += PiiLine(text_) + "\n";
    next_pii_at_ = generated_ + text_.Below(2 * options_.pii_every);
    ++planted_pii_;
  }
  generated_ += block.size();
  return block;
}

void MixedTextGenerator::Append(size_t bytes, std::string* out) {
  while (out->size() < bytes) *out += NextBlock();
}

Status MixedTextGenerator::WriteFile(const std::filesystem::path& path, size_t bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return InvalidArgument("cannot create " + path.string());
  std::string buffer;
  size_t written = 0;
  while (written < bytes) {
    buffer.clear();
    Append(std::min<size_t>(bytes - written, 1 << 20), &buffer);
    file.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    written += buffer.size();
  }
  file.close();
  if (!file) return Internal("write to " + path.string() + " failed");
  return OkStatus();
}

}  // namespace custody::dlp::bench
