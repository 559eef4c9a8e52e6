// inventory_corpus: writes the generated half of the inventory benchmark's folder — N small PNG and
// JPEG images (64-256 px) carrying the metadata AI tools and cameras really write, in the mix a
// designer's Downloads folder might hold:
//
//   ComfyUI PNG       tEXt prompt (API graph) + workflow (UI graph); 1 in 10 with an API key
//                     left in a node's widget values
//   AUTOMATIC1111 PNG tEXt parameters (infotext); some as iTXt (non-Latin-1 prompt), some as zTXt
//                     after IDAT
//   AUTOMATIC1111 JPG EXIF UserComment "UNICODE\0" + UTF-16BE infotext
//   InvokeAI PNG      tEXt invokeai_metadata (JSON) + invokeai_graph
//   SwarmUI PNG       iTXt parameters {"sui_image_params": ...}
//   NovelAI PNG       Title, Description, Software=NovelAI, Source, Comment (JSON)
//   Fooocus PNG       tEXt parameters (JSON) + fooocus_scheme
//   AI-labelled JPG   XMP Iptc4xmpExt:DigitalSourceType trainedAlgorithmicMedia (attribute and
//                     element forms; some compositeWithTrainedAlgorithmicMedia)
//   camera JPG        EXIF Make/Model/dates/exposure + GPS; some with an Artist e-mail address
//   plain PNG/JPG     no metadata at all
//
// Pixels come from the studio's own procedural renderer (media/procedural.h) and JPEG encoder
// (media/edit.h); every metadata chunk, segment and TIFF structure is written here byte by byte.
// Deterministic for a given --seed. Usage: inventory_corpus --out DIR [--count N] [--seed S]
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "media/edit.h"
#include "media/media.h"
#include "media/procedural.h"

namespace {

namespace fs = std::filesystem;
using custody::Bytes;

// ---- deterministic choices ----------------------------------------------------------------------

class Rng {
 public:
  explicit Rng(uint64_t seed) : r_(seed) {}
  uint64_t Next() { return r_.NextU64(); }
  size_t Below(size_t n) { return size_t(Next() % n); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  std::string Alnum(size_t n) {
    static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(kChars[Below(62)]);
    return s;
  }
  std::string Hex(size_t n) {
    static const char kChars[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(kChars[Below(16)]);
    return s;
  }

 private:
  custody::SeededRandom r_;
};

const std::vector<std::string> kSubjects = {
    "a lighthouse on a cliff",     "a red fox in the snow",  "a cyberpunk street market",
    "an astronaut riding a horse", "a bowl of ramen",        "a medieval castle at dawn",
    "portrait of an old sailor",   "a cat wearing a crown",  "a glass teapot with flowers",
    "a city skyline in the rain",  "a dragon made of paper", "a cozy reading nook"};
const std::vector<std::string> kStyles = {"oil painting",
                                          "studio lighting",
                                          "watercolor",
                                          "highly detailed",
                                          "8k",
                                          "cinematic",
                                          "pastel colors",
                                          "isometric",
                                          "volumetric light",
                                          "35mm photo",
                                          "trending on artstation"};
const std::vector<std::string> kNegatives = {
    "blurry, lowres, bad anatomy", "watermark, text, signature", "deformed, ugly, extra limbs",
    "jpeg artifacts, worst quality"};
const std::vector<std::string> kModels = {
    "v1-5-pruned-emaonly.safetensors", "sd_xl_base_1.0.safetensors", "dreamshaper_8.safetensors",
    "juggernautXL_v9.safetensors", "realisticVision_v51.safetensors"};
const std::vector<std::string> kSamplers = {"Euler a", "DPM++ 2M Karras", "DDIM", "UniPC"};
const std::vector<std::string> kCameras[] = {{"Canon", "Canon EOS R6"},
                                             {"NIKON CORPORATION", "NIKON Z 6_2"},
                                             {"Apple", "iPhone 14 Pro"},
                                             {"SONY", "ILCE-7M4"},
                                             {"FUJIFILM", "X-T5"}};

std::string Prompt(Rng& rng) {
  std::string p = rng.Pick(kSubjects);
  for (size_t i = 0, n = 1 + rng.Below(4); i < n; ++i) p += ", " + rng.Pick(kStyles);
  return p;
}

// ---- PNG ----------------------------------------------------------------------------------------

void PutU32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(char((v >> s) & 0xFF));
}
void PutU16(std::string& out, uint32_t v) {
  out.push_back(char((v >> 8) & 0xFF));
  out.push_back(char(v & 0xFF));
}

std::string PngChunk(std::string_view type, std::string_view data) {
  std::string out;
  PutU32(out, uint32_t(data.size()));
  std::string body(type);
  body.append(data);
  out += body;
  PutU32(out, uint32_t(crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
  return out;
}

std::string Deflate(std::string_view raw) {
  uLongf len = compressBound(uLong(raw.size()));
  std::string out(len, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &len, reinterpret_cast<const Bytef*>(raw.data()),
            uLong(raw.size()), 6);
  out.resize(len);
  return out;
}

std::string TextChunk(std::string_view key, std::string_view text) {
  std::string d(key);
  d.push_back('\0');
  d.append(text);
  return PngChunk("tEXt", d);
}
std::string ZtxtChunk(std::string_view key, std::string_view text) {
  std::string d(key);
  d.push_back('\0');
  d.push_back('\0');  // deflate
  d += Deflate(text);
  return PngChunk("zTXt", d);
}
std::string ItxtChunk(std::string_view key, std::string_view utf8, bool compressed) {
  std::string d(key);
  d.push_back('\0');
  d.push_back(compressed ? 1 : 0);
  d.push_back('\0');
  d.push_back('\0');  // empty language tag
  d.push_back('\0');  // empty translated keyword
  d += compressed ? Deflate(utf8) : std::string(utf8);
  return PngChunk("iTXt", d);
}

// `png` with `before` inserted after IHDR and `after` inserted before IEND.
std::string WithPngChunks(const std::string& png, const std::string& before,
                          const std::string& after = "") {
  const size_t after_ihdr = 8 + 4 + 4 + 13 + 4;
  const size_t iend = png.size() - 12;
  return png.substr(0, after_ihdr) + before + png.substr(after_ihdr, iend - after_ihdr) + after +
         png.substr(iend);
}

// ---- JPEG, EXIF (big-endian TIFF), XMP ----------------------------------------------------------

std::string Segment(uint8_t marker, std::string_view payload) {
  std::string out = {char(0xFF), char(marker)};
  PutU16(out, uint32_t(payload.size() + 2));
  out.append(payload);
  return out;
}

// `jpeg` with `segments` inserted after SOI and a JFIF APP0, if there is one.
std::string WithJpegSegments(const std::string& jpeg, const std::string& segments) {
  size_t at = 2;
  if (jpeg.size() > 6 && uint8_t(jpeg[2]) == 0xFF && uint8_t(jpeg[3]) == 0xE0)
    at = 4 + ((size_t(uint8_t(jpeg[4])) << 8) | uint8_t(jpeg[5]));
  return jpeg.substr(0, at) + segments + jpeg.substr(at);
}

struct Field {
  uint16_t tag;
  uint16_t type;  // 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, 7 UNDEFINED
  uint32_t count;
  std::string data;  // big-endian value bytes
};
Field Ascii(uint16_t tag, std::string_view s) {
  std::string d(s);
  d.push_back('\0');
  return {tag, 2, uint32_t(d.size()), d};
}
Field Short(uint16_t tag, uint32_t v) {
  std::string d;
  PutU16(d, v);
  return {tag, 3, 1, d};
}
Field Long(uint16_t tag, uint32_t v) {
  std::string d;
  PutU32(d, v);
  return {tag, 4, 1, d};
}
Field Rationals(uint16_t tag, const std::vector<std::pair<uint32_t, uint32_t>>& v) {
  std::string d;
  for (auto [n, den] : v) {
    PutU32(d, n);
    PutU32(d, den);
  }
  return {tag, 5, uint32_t(v.size()), d};
}
Field Undefined(uint16_t tag, std::string_view bytes) {
  return {tag, 7, uint32_t(bytes.size()), std::string(bytes)};
}
Field ByteField(uint16_t tag, std::string_view bytes) {
  return {tag, 1, uint32_t(bytes.size()), std::string(bytes)};
}

size_t IfdSize(const std::vector<Field>& ifd) {
  size_t n = 2 + 12 * ifd.size() + 4;
  for (const Field& f : ifd)
    if (f.data.size() > 4) n += (f.data.size() + 1) & ~size_t(1);
  return n;
}

// One IFD at `offset` (from the TIFF header) with its out-of-line values right after it.
std::string SerializeIfd(std::vector<Field> ifd, uint32_t offset) {
  std::sort(ifd.begin(), ifd.end(), [](const Field& a, const Field& b) { return a.tag < b.tag; });
  std::string head, data;
  PutU16(head, uint32_t(ifd.size()));
  uint32_t data_at = offset + uint32_t(2 + 12 * ifd.size() + 4);
  for (const Field& f : ifd) {
    PutU16(head, f.tag);
    PutU16(head, f.type);
    PutU32(head, f.count);
    if (f.data.size() <= 4) {
      std::string v = f.data;
      v.resize(4, '\0');
      head += v;
    } else {
      PutU32(head, data_at + uint32_t(data.size()));
      data += f.data;
      if (data.size() % 2) data.push_back('\0');
    }
  }
  PutU32(head, 0);  // no next IFD
  return head + data;
}

// "Exif\0\0" + a big-endian TIFF with IFD0 and, when not empty, the Exif and GPS IFDs.
std::string ExifPayload(std::vector<Field> ifd0, const std::vector<Field>& exif,
                        const std::vector<Field>& gps) {
  if (!exif.empty()) ifd0.push_back(Long(0x8769, 0));
  if (!gps.empty()) ifd0.push_back(Long(0x8825, 0));
  const uint32_t ifd0_at = 8;
  const uint32_t exif_at = ifd0_at + uint32_t(IfdSize(ifd0));
  const uint32_t gps_at = exif_at + (exif.empty() ? 0 : uint32_t(IfdSize(exif)));
  for (Field& f : ifd0) {
    if (f.tag == 0x8769) f = Long(0x8769, exif_at);
    if (f.tag == 0x8825) f = Long(0x8825, gps_at);
  }
  std::string tiff = "MM";
  PutU16(tiff, 42);
  PutU32(tiff, ifd0_at);
  tiff += SerializeIfd(ifd0, ifd0_at);
  if (!exif.empty()) tiff += SerializeIfd(exif, exif_at);
  if (!gps.empty()) tiff += SerializeIfd(gps, gps_at);
  return std::string("Exif\0\0", 6) + tiff;
}

// UTF-8 (BMP only, as our prompts are) to UTF-16BE.
std::string Utf16Be(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    uint32_t c = uint8_t(s[i]);
    size_t n = 1;
    if (c >= 0xE0 && i + 2 < s.size()) {
      c = (c & 0x0F) << 12 | (uint8_t(s[i + 1]) & 0x3F) << 6 | (uint8_t(s[i + 2]) & 0x3F);
      n = 3;
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      c = (c & 0x1F) << 6 | (uint8_t(s[i + 1]) & 0x3F);
      n = 2;
    }
    PutU16(out, c);
    i += n;
  }
  return out;
}

std::string XmpSegment(std::string_view digital_source_type, std::string_view tool, bool element) {
  std::string desc = element
                         ? std::string(
                               "<rdf:Description rdf:about=\"\" "
                               "xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\" "
                               "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">"
                               "<Iptc4xmpExt:DigitalSourceType>") +
                               std::string(digital_source_type) +
                               "</Iptc4xmpExt:DigitalSourceType><xmp:CreatorTool>" +
                               std::string(tool) + "</xmp:CreatorTool></rdf:Description>"
                         : std::string(
                               "<rdf:Description rdf:about=\"\" "
                               "xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\" "
                               "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" "
                               "Iptc4xmpExt:DigitalSourceType=\"") +
                               std::string(digital_source_type) + "\" xmp:CreatorTool=\"" +
                               std::string(tool) + "\"/>";
  std::string packet =
      "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
      "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">" +
      desc + "</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";
  return Segment(0xE1, std::string("http://ns.adobe.com/xap/1.0/\0", 29) + packet);
}

// ---- what each tool writes ----------------------------------------------------------------------

std::string Infotext(Rng& rng, const std::string& prompt, int w, int h, uint64_t seed) {
  const std::string& model = rng.Pick(kModels);
  return prompt + "\nNegative prompt: " + rng.Pick(kNegatives) +
         "\nSteps: " + std::to_string(20 + rng.Below(30)) + ", Sampler: " + rng.Pick(kSamplers) +
         ", CFG scale: 7, Seed: " + std::to_string(seed) + ", Size: " + std::to_string(w) + "x" +
         std::to_string(h) + ", Model hash: " + rng.Hex(10) +
         ", Model: " + model.substr(0, model.find('.')) + ", Version: v1.7.0";
}

std::string ComfyPrompt(const std::string& prompt, const std::string& negative,
                        const std::string& model, int w, int h, uint64_t seed) {
  return R"({"3": {"inputs": {"seed": )" + std::to_string(seed) +
         R"(, "steps": 20, "cfg": 8, "sampler_name": "euler", "scheduler": "normal", "denoise": 1,)"
         R"( "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]},)"
         R"( "class_type": "KSampler"}, "4": {"inputs": {"ckpt_name": ")" +
         model + R"("}, "class_type": "CheckpointLoaderSimple"}, "5": {"inputs": {"width": )" +
         std::to_string(w) + R"(, "height": )" + std::to_string(h) +
         R"(, "batch_size": 1}, "class_type": "EmptyLatentImage"}, "6": {"inputs": {"text": ")" +
         prompt +
         R"(", "clip": ["4", 1]}, "class_type": "CLIPTextEncode"}, "7": {"inputs": {"text": ")" +
         negative +
         R"(", "clip": ["4", 1]}, "class_type": "CLIPTextEncode"}, "8": {"inputs": {"samples": ["3", 0],)"
         R"( "vae": ["4", 2]}, "class_type": "VAEDecode"}, "9": {"inputs": {"filename_prefix": "ComfyUI",)"
         R"( "images": ["8", 0]}, "class_type": "SaveImage"}})";
}

std::string ComfyWorkflow(const std::string& prompt, const std::string& negative,
                          const std::string& model, uint64_t seed, const std::string& secret) {
  std::string nodes =
      R"([{"id": 4, "type": "CheckpointLoaderSimple", "pos": [26, 474], "widgets_values": [")" +
      model +
      R"("]}, {"id": 6, "type": "CLIPTextEncode", "pos": [415, 186], "widgets_values": [")" +
      prompt +
      R"("]}, {"id": 7, "type": "CLIPTextEncode", "pos": [413, 389], "widgets_values": [")" +
      negative + R"("]}, {"id": 3, "type": "KSampler", "pos": [863, 186], "widgets_values": [)" +
      std::to_string(seed) + R"(, "randomize", 20, 8, "euler", "normal", 1]})";
  if (!secret.empty())
    nodes +=
        R"(, {"id": 10, "type": "OpenAIChatNode", "pos": [100, 800], "widgets_values": ["describe the image", ")" +
        secret + R"("]})";
  nodes += "]";
  return R"({"last_node_id": 10, "last_link_id": 9, "nodes": )" + nodes +
         R"(, "links": [[1, 4, 0, 3, 0, "MODEL"], [2, 6, 0, 3, 1, "CONDITIONING"]], "groups": [],)"
         R"( "config": {}, "extra": {}, "version": 0.4})";
}

struct Bases {
  std::vector<std::string> png;
  std::vector<std::string> jpeg;
  std::vector<std::pair<int, int>> size;
};

Bases MakeBases(Rng& rng, int n) {
  const int sizes[] = {64, 96, 128, 160, 192, 256};
  Bases b;
  for (int i = 0; i < n; ++i) {
    custody::ProceduralSpec spec;
    spec.prompt = Prompt(rng);
    spec.seed = rng.Next();
    spec.width = sizes[rng.Below(6)];
    spec.height = sizes[rng.Below(6)];
    auto png = custody::RenderProcedural(spec, {});
    if (!png.ok()) {
      std::fprintf(stderr, "inventory_corpus: render: %s\n", png.error().ToString().c_str());
      std::exit(1);
    }
    auto jpeg = custody::ApplyEdits(*png, {}, "jpeg");
    if (!jpeg.ok()) {
      std::fprintf(stderr, "inventory_corpus: jpeg: %s\n", jpeg.error().ToString().c_str());
      std::exit(1);
    }
    b.png.emplace_back(custody::AsChars(*png));
    b.jpeg.emplace_back(custody::AsChars(*jpeg));
    b.size.emplace_back(spec.width, spec.height);
  }
  return b;
}

// One file of kind `k` (0..19, see the weights in main).
std::pair<std::string, std::string> MakeFile(Rng& rng, const Bases& bases, int k, size_t index) {
  const size_t b = rng.Below(bases.png.size());
  const auto [w, h] = bases.size[b];
  const std::string& png = bases.png[b];
  const std::string& jpeg = bases.jpeg[b];
  const uint64_t seed = rng.Next() % 4294967296ull;
  const std::string prompt = Prompt(rng);
  const std::string negative = rng.Pick(kNegatives);
  const std::string model = rng.Pick(kModels);
  char name[64];
  auto file = [&](const char* kind, const char* ext) {
    std::snprintf(name, sizeof(name), "%s_%05zu.%s", kind, index, ext);
    return std::string(name);
  };
  switch (k) {
    case 0:
    case 1:
    case 2:
    case 3: {  // ComfyUI
      std::string secret;
      if (rng.Below(10) == 0) secret = "sk-proj-" + rng.Alnum(48);
      std::string chunks =
          TextChunk("prompt", ComfyPrompt(prompt, negative, model, w, h, seed)) +
          TextChunk("workflow", ComfyWorkflow(prompt, negative, model, seed, secret));
      return {file("ComfyUI", "png"), WithPngChunks(png, chunks)};
    }
    case 4:
    case 5:
    case 6: {  // AUTOMATIC1111 PNG: tEXt, iTXt (non-Latin-1 prompt) or zTXt after IDAT
      size_t form = rng.Below(4);
      if (form == 1) {
        return {file("a1111", "png"),
                WithPngChunks(png, ItxtChunk("parameters",
                                             Infotext(rng, "夕焼けの港町, " + prompt, w, h, seed),
                                             rng.Below(2) == 0))};
      }
      if (form == 2)
        return {file("a1111", "png"),
                WithPngChunks(png, "", ZtxtChunk("parameters", Infotext(rng, prompt, w, h, seed)))};
      return {file("a1111", "png"),
              WithPngChunks(png, TextChunk("parameters", Infotext(rng, prompt, w, h, seed)))};
    }
    case 7:
    case 8: {  // AUTOMATIC1111 JPEG: EXIF UserComment, UNICODE + UTF-16BE
      std::string comment =
          std::string("UNICODE\0", 8) + Utf16Be(Infotext(rng, prompt, w, h, seed));
      std::string exif = ExifPayload({}, {Undefined(0x9286, comment)}, {});
      return {file("a1111", "jpg"), WithJpegSegments(jpeg, Segment(0xE1, exif))};
    }
    case 9: {  // InvokeAI
      std::string meta = R"({"generation_mode": "txt2img", "positive_prompt": ")" + prompt +
                         R"(", "negative_prompt": ")" + negative + R"(", "width": )" +
                         std::to_string(w) + R"(, "height": )" + std::to_string(h) +
                         R"(, "seed": )" + std::to_string(seed) +
                         R"(, "cfg_scale": 7.5, "steps": 30, "scheduler": "euler", "model":)"
                         R"( {"model_name": "stable-diffusion-v1-5", "base_model": "sd-1",)"
                         R"( "model_type": "main"}, "app_version": "3.4.0"})";
      std::string graph = R"({"id": "graph-)" + rng.Hex(8) +
                          R"(", "nodes": {"noise": {"type": "noise", "seed": )" +
                          std::to_string(seed) + R"(}}, "edges": []})";
      return {file("InvokeAI", "png"), WithPngChunks(png, TextChunk("invokeai_metadata", meta) +
                                                              TextChunk("invokeai_graph", graph))};
    }
    case 10: {  // SwarmUI
      std::string params = R"({"sui_image_params": {"prompt": ")" + prompt +
                           R"(", "negativeprompt": ")" + negative +
                           R"(", "model": "OfficialStableDiffusion/sd_xl_base_1.0", "seed": )" +
                           std::to_string(seed) + R"(, "steps": 20, "cfgscale": 7, "width": )" +
                           std::to_string(w) + R"(, "height": )" + std::to_string(h) +
                           R"(, "swarm_version": "0.9.2.1"}, "sui_extra_data": {"date":)"
                           R"( "2024-05-01", "generation_time": "2.10 sec"}})";
      return {file("SwarmUI", "png"), WithPngChunks(png, ItxtChunk("parameters", params, false))};
    }
    case 11: {  // NovelAI
      std::string comment = R"({"prompt": ")" + prompt + R"(", "steps": 28, "height": )" +
                            std::to_string(h) + R"(, "width": )" + std::to_string(w) +
                            R"(, "scale": 5.0, "seed": )" + std::to_string(seed) +
                            R"(, "n_samples": 1, "sampler": "k_euler_ancestral", "uc": ")" +
                            negative + R"("})";
      return {file("NovelAI", "png"),
              WithPngChunks(png, TextChunk("Title", "AI generated image") +
                                     TextChunk("Description", prompt) +
                                     TextChunk("Software", "NovelAI") +
                                     TextChunk("Source", "Stable Diffusion XL C1E1DE52") +
                                     TextChunk("Comment", comment))};
    }
    case 12: {  // Fooocus
      std::string params =
          "{\"Prompt\": \"" + prompt + "\", \"Negative Prompt\": \"" + negative +
          "\", \"Styles\": \"['Fooocus V2']\", \"Performance\": \"Speed\", "
          "\"Resolution\": \"(" +
          std::to_string(w) + ", " + std::to_string(h) +
          ")\", \"Guidance Scale\": 4, \"Sharpness\": 2, \"Base Model\": "
          "\"juggernautXL_v8Rundiffusion.safetensors\", \"Seed\": " +
          std::to_string(seed) +
          ", \"Sampler\": \"dpmpp_2m_sde_gpu\", \"Version\": \"Fooocus v2.1.865\"}";
      return {file("Fooocus", "png"),
              WithPngChunks(
                  png, TextChunk("parameters", params) + TextChunk("fooocus_scheme", "fooocus"))};
    }
    case 13:
    case 14: {  // XMP DigitalSourceType
      const char* type =
          rng.Below(4) == 0
              ? "http://cv.iptc.org/newscodes/digitalsourcetype/"
                "compositeWithTrainedAlgorithmicMedia"
              : "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
      const char* tool = rng.Below(2) == 0 ? "Adobe Firefly" : "Midjourney";
      return {file("xmp-ai", "jpg"),
              WithJpegSegments(jpeg, XmpSegment(type, tool, rng.Below(2) == 0))};
    }
    case 15:
    case 16:
    case 17: {  // camera with GPS
      const auto& cam = kCameras[rng.Below(5)];
      char date[32];
      std::snprintf(date, sizeof(date), "2024:%02zu:%02zu %02zu:%02zu:%02zu", 1 + rng.Below(12),
                    1 + rng.Below(28), rng.Below(24), rng.Below(60), rng.Below(60));
      std::vector<Field> ifd0 = {Ascii(0x010F, cam[0]), Ascii(0x0110, cam[1]), Short(0x0112, 1),
                                 Ascii(0x0132, date)};
      if (rng.Below(4) == 0)
        ifd0.push_back(Ascii(0x013B, "Jordan Mills <jordan.mills@fjordphoto.no>"));
      std::vector<Field> exif = {Ascii(0x9003, date), Rationals(0x829A, {{1, 250}}),
                                 Rationals(0x829D, {{28, 10}}), Short(0x8827, 400)};
      std::vector<Field> gps = {ByteField(0x0000, std::string("\x02\x03\x00\x00", 4)),
                                Ascii(0x0001, "N"),
                                Rationals(0x0002, {{uint32_t(40 + rng.Below(20)), 1},
                                                   {uint32_t(rng.Below(60)), 1},
                                                   {uint32_t(rng.Below(6000)), 100}}),
                                Ascii(0x0003, "E"),
                                Rationals(0x0004, {{uint32_t(rng.Below(30)), 1},
                                                   {uint32_t(rng.Below(60)), 1},
                                                   {uint32_t(rng.Below(6000)), 100}})};
      return {file("camera", "jpg"),
              WithJpegSegments(jpeg, Segment(0xE1, ExifPayload(ifd0, exif, gps)))};
    }
    case 18:
      return {file("plain", "png"), png};
    default:
      return {file("plain", "jpg"), jpeg};
  }
}

}  // namespace

int main(int argc, char** argv) {
  fs::path out;
  size_t count = 10000;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) -> const char* {
      if (a == flag && i + 1 < argc) return argv[++i];
      return nullptr;
    };
    if (const char* v = value("--out")) {
      out = v;
    } else if (const char* v = value("--count")) {
      count = size_t(std::strtoull(v, nullptr, 10));
    } else if (const char* v = value("--seed")) {
      seed = std::strtoull(v, nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: inventory_corpus --out DIR [--count N] [--seed S]\n");
      return 2;
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "usage: inventory_corpus --out DIR [--count N] [--seed S]\n");
    return 2;
  }
  if (auto s = custody::InitMedia(); !s.ok()) {
    std::fprintf(stderr, "inventory_corpus: %s\n", s.error().ToString().c_str());
    return 1;
  }
  Rng rng(seed);
  Bases bases = MakeBases(rng, 48);
  size_t per_kind[20] = {};
  for (size_t i = 0; i < count; ++i) {
    int k = int(rng.Below(20));
    auto [name, bytes] = MakeFile(rng, bases, k, i);
    ++per_kind[k];
    char dir[32];
    std::snprintf(dir, sizeof(dir), "batch-%02zu", i / 500);
    fs::create_directories(out / dir);
    std::ofstream f(out / dir / name, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    if (!f) {
      std::fprintf(stderr, "inventory_corpus: cannot write %s\n", (out / dir / name).c_str());
      return 1;
    }
  }
  std::printf(
      "inventory_corpus: %zu files in %s (ComfyUI %zu, A1111 PNG %zu, A1111 JPEG %zu, "
      "InvokeAI %zu, SwarmUI %zu, NovelAI %zu, Fooocus %zu, XMP AI %zu, camera %zu, "
      "plain %zu)\n",
      count, out.c_str(), per_kind[0] + per_kind[1] + per_kind[2] + per_kind[3],
      per_kind[4] + per_kind[5] + per_kind[6], per_kind[7] + per_kind[8], per_kind[9], per_kind[10],
      per_kind[11], per_kind[12], per_kind[13] + per_kind[14],
      per_kind[15] + per_kind[16] + per_kind[17], per_kind[18] + per_kind[19]);
  return 0;
}
