// XMP: a small tolerant scan of an RDF/XML packet into "Xmp.<prefix>.<name>" entries. Not an XML
// parser: it tokenises tags, attributes and text, tracks rdf:Description / containers / rdf:li,
// and emits leaf properties. Structure fields are keyed "Xmp.<prefix>.<name>/<prefix>:<field>".
// Only the five predefined entities and numeric character references are decoded; DTDs and
// other entities are never expanded (no entity-expansion bombs, no external fetches).
#include <algorithm>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

constexpr size_t kMaxDepth = 64;

std::string DecodeEntities(std::string_view s) {
  if (s.find('&') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      out += s[i++];
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    if (name == "lt") {
      out += '<';
    } else if (name == "gt") {
      out += '>';
    } else if (name == "amp") {
      out += '&';
    } else if (name == "quot") {
      out += '"';
    } else if (name == "apos") {
      out += '\'';
    } else if (name.size() >= 2 && name[0] == '#') {
      uint32_t cp = 0;
      bool hex = name[1] == 'x' || name[1] == 'X';
      bool ok = name.size() > (hex ? 2u : 1u);
      for (size_t k = hex ? 2 : 1; k < name.size() && ok; ++k) {
        char c = name[k];
        int d = (c >= '0' && c <= '9')          ? c - '0'
                : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                : -1;
        if (d < 0) ok = false;
        cp = cp * (hex ? 16 : 10) + uint32_t(d);
        if (cp > 0x10FFFF) ok = false;
      }
      if (!ok || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
        out += s.substr(i, semi - i + 1);
      } else {
        AppendCodePoint(out, cp);
      }
    } else {
      out += s.substr(i, semi - i + 1);  // unknown entity: kept verbatim, never expanded
    }
    i = semi + 1;
  }
  return out;
}

struct Attribute {
  std::string_view name;
  std::string_view raw_value;
};

enum class Kind { kWrapper, kDescription, kContainer, kItem, kProperty };

struct Frame {
  std::string qname;
  Kind kind;
  std::string key;  // properties: the entry key
  std::string text;
  std::vector<std::string> values;
  bool has_children = false;
};

Category XmpCategory(std::string_view prefix, std::string_view local, std::string_view key) {
  std::string p = Lower(prefix);
  std::string l = Lower(local);
  if (l == "digitalsourcetype") return Category::kProvenance;
  if (p == "dc" && l == "creator") return Category::kAuthor;
  if (p == "dc" && (l == "title" || l == "description" || l == "subject")) {
    return Category::kDescription;
  }
  if (p == "dc" && l == "rights") return Category::kCopyright;
  if (p == "xmprights" || p == "xaprights") return Category::kCopyright;
  if (p == "photoshop" && l == "source") return Category::kAuthor;
  if (p == "xmpmm" || p == "xapmm")
    return l.find("history") != std::string::npos || key.find("History") != std::string::npos
               ? Category::kSoftware
               : Category::kProvenance;
  if (key.find("CreatorContactInfo") != std::string::npos) return Category::kAuthor;
  if (p == "exif" && l.rfind("gps", 0) == 0) return Category::kGps;
  if (p == "exif" && l == "usercomment") return Category::kDescription;
  if (p == "tiff" && (l == "make" || l == "model")) return Category::kDevice;
  if (p == "aux" || p == "exifex") {
    if (l.find("owner") != std::string::npos) return Category::kAuthor;
    if (l.find("serial") != std::string::npos || l.find("lens") != std::string::npos) {
      return Category::kDevice;
    }
  }
  if (p == "photoshop" && (l == "authorsposition" || l == "credit" || l == "captionwriter")) {
    return Category::kAuthor;
  }
  if (key.find("LocationShown") != std::string::npos ||
      key.find("LocationCreated") != std::string::npos) {
    return Category::kGps;
  }
  // Structure fields: classify by the field name.
  size_t slash = key.rfind('/');
  if (slash != std::string::npos) {
    std::string_view field = std::string_view(key).substr(slash + 1);
    size_t colon = field.find(':');
    if (colon != std::string_view::npos) field = field.substr(colon + 1);
    Category c = ClassifyName(field);
    if (c != Category::kOther) return c;
  }
  return ClassifyName(local);
}

class XmpScanner {
 public:
  XmpScanner(Context& ctx, std::string_view carrier, uint64_t offset)
      : ctx_(ctx), carrier_(carrier), offset_(offset) {}

  size_t emitted() const { return emitted_; }

  void Scan(std::string_view x) {
    size_t i = 0;
    while (i < x.size() && !ctx_.full()) {
      if (x[i] != '<') {
        size_t j = x.find('<', i);
        if (j == std::string_view::npos) j = x.size();
        OnText(DecodeEntities(x.substr(i, j - i)));
        i = j;
        continue;
      }
      std::string_view rest = x.substr(i);
      if (rest.starts_with("<!--")) {
        size_t end = x.find("-->", i + 4);
        i = end == std::string_view::npos ? x.size() : end + 3;
      } else if (rest.starts_with("<![CDATA[")) {
        size_t end = x.find("]]>", i + 9);
        size_t stop = end == std::string_view::npos ? x.size() : end;
        OnText(std::string(x.substr(i + 9, stop - i - 9)));
        i = end == std::string_view::npos ? x.size() : end + 3;
      } else if (rest.starts_with("<?")) {
        size_t end = x.find("?>", i + 2);
        i = end == std::string_view::npos ? x.size() : end + 2;
      } else if (rest.starts_with("<!")) {
        // DOCTYPE and friends: skipped, internal subset included; never interpreted.
        size_t bracket = x.find('[', i);
        size_t gt = x.find('>', i);
        if (bracket != std::string_view::npos && gt != std::string_view::npos && bracket < gt) {
          size_t end = x.find("]>", bracket);
          i = end == std::string_view::npos ? x.size() : end + 2;
        } else {
          i = gt == std::string_view::npos ? x.size() : gt + 1;
        }
      } else if (rest.starts_with("</")) {
        size_t gt = x.find('>', i);
        std::string_view name =
            Trim(x.substr(i + 2, (gt == std::string_view::npos ? x.size() : gt) - i - 2));
        OnClose(name);
        i = gt == std::string_view::npos ? x.size() : gt + 1;
      } else {
        i = OpenTag(x, i);
      }
    }
    while (!stack_.empty()) Pop();
  }

 private:
  static bool NameChar(char c) {
    return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/' || c == '=' ||
             c == '<');
  }

  // Parses "<name attr="v" ...>" at x[i]; returns the position after it.
  size_t OpenTag(std::string_view x, size_t i) {
    size_t p = i + 1;
    size_t name_start = p;
    while (p < x.size() && NameChar(x[p])) ++p;
    std::string_view name = x.substr(name_start, p - name_start);
    std::vector<Attribute> attrs;
    bool self_closing = false;
    while (p < x.size()) {
      char c = x[p];
      if (c == '>') {
        ++p;
        break;
      }
      if (c == '/') {
        if (p + 1 < x.size() && x[p + 1] == '>') {
          self_closing = true;
          p += 2;
          break;
        }
        ++p;
        continue;
      }
      if (c == '<') break;  // malformed: a new tag starts
      if (!NameChar(c)) {
        ++p;
        continue;
      }
      size_t an = p;
      while (p < x.size() && NameChar(x[p])) ++p;
      std::string_view attr_name = x.substr(an, p - an);
      while (p < x.size() && (x[p] == ' ' || x[p] == '\t' || x[p] == '\r' || x[p] == '\n')) ++p;
      if (p < x.size() && x[p] == '=') {
        ++p;
        while (p < x.size() && (x[p] == ' ' || x[p] == '\t' || x[p] == '\r' || x[p] == '\n')) ++p;
        if (p < x.size() && (x[p] == '"' || x[p] == '\'')) {
          char q = x[p];
          size_t end = x.find(q, p + 1);
          if (end == std::string_view::npos) end = x.size();
          attrs.push_back({attr_name, x.substr(p + 1, end - p - 1)});
          p = end == x.size() ? end : end + 1;
        } else {
          size_t vs = p;
          while (p < x.size() && NameChar(x[p])) ++p;
          attrs.push_back({attr_name, x.substr(vs, p - vs)});
        }
      }
    }
    if (!name.empty()) {
      OnOpen(name, attrs);
      if (self_closing) OnClose(name);
    }
    return p;
  }

  // Namespace declarations, RDF syntax, xml:lang, and unqualified attributes (the legacy
  // "about" of old Adobe packets) are not properties.
  static bool Skipped(std::string_view attr) {
    return attr.starts_with("xmlns") || attr.starts_with("rdf:") || attr.starts_with("xml:") ||
           attr.starts_with("x:") || attr.find(':') == std::string_view::npos;
  }

  std::string ParentKey() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->kind == Kind::kProperty) return it->key;
    }
    return "";
  }
  Frame* ParentProperty() {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->kind == Kind::kProperty) return &*it;
    }
    return nullptr;
  }

  static std::string JoinKey(const std::string& parent, std::string_view qname) {
    if (!parent.empty()) return parent + "/" + std::string(qname);
    size_t colon = qname.find(':');
    if (colon == std::string_view::npos) return "Xmp." + std::string(qname);
    return "Xmp." + std::string(qname.substr(0, colon)) + "." +
           std::string(qname.substr(colon + 1));
  }

  void Emit(const std::string& key, std::string value) {
    std::string_view v = Trim(value);
    if (v.empty()) return;
    // The prefix and local name of the top-level property (before any '/').
    std::string_view top = std::string_view(key).substr(4);  // after "Xmp."
    size_t slash = top.find('/');
    if (slash != std::string_view::npos) top = top.substr(0, slash);
    size_t dot = top.find('.');
    std::string_view prefix = dot == std::string_view::npos ? "" : top.substr(0, dot);
    std::string_view local = dot == std::string_view::npos ? top : top.substr(dot + 1);
    Category c = XmpCategory(prefix, local, key);
    std::string text(v);
    if (Lower(local) == "digitalsourcetype" && slash == std::string_view::npos) {
      ctx_.NoteDigitalSourceType(text);
    }
    ctx_.Add(carrier_, key, std::move(text), c, offset_);
    ++emitted_;
  }

  void OnOpen(std::string_view name, const std::vector<Attribute>& attrs) {
    if (stack_.size() >= kMaxDepth) {
      ++ignored_depth_;
      return;
    }
    Frame f;
    f.qname = std::string(name);
    std::string parent = ParentKey();
    bool parse_type_resource = false;
    for (const Attribute& a : attrs) {
      if (a.name == "rdf:parseType" && a.raw_value == "Resource") parse_type_resource = true;
    }
    if (name == "x:xmpmeta" || name == "x:xapmeta" || name == "rdf:RDF") {
      f.kind = Kind::kWrapper;
    } else if (name == "rdf:Description") {
      f.kind = Kind::kDescription;
    } else if (name == "rdf:Seq" || name == "rdf:Bag" || name == "rdf:Alt") {
      f.kind = Kind::kContainer;
    } else if (name == "rdf:li" || name == "rdf:value") {
      f.kind = Kind::kItem;
    } else if (name.starts_with("rdf:")) {
      f.kind = Kind::kWrapper;
    } else {
      f.kind = Kind::kProperty;
      f.key = JoinKey(parent, name);
      if (Frame* pp = ParentProperty()) pp->has_children = true;
    }
    // Attributes of rdf:Description / rdf:li (struct in compact form) / a property are
    // properties themselves, nested under the enclosing property.
    const std::string& base = f.kind == Kind::kProperty ? f.key : parent;
    for (const Attribute& a : attrs) {
      if (f.kind == Kind::kProperty && a.name == "rdf:resource") {
        f.values.push_back(DecodeEntities(a.raw_value));
        continue;
      }
      if (Skipped(a.name)) continue;
      if (f.kind == Kind::kProperty) f.has_children = true;
      if (f.kind != Kind::kProperty && !parent.empty()) {
        if (Frame* pp = ParentProperty()) pp->has_children = true;
      }
      Emit(JoinKey(base, a.name), DecodeEntities(a.raw_value));
    }
    if (parse_type_resource && f.kind == Kind::kProperty) f.has_children = true;
    stack_.push_back(std::move(f));
  }

  void OnText(std::string text) {
    if (stack_.empty() || ignored_depth_ > 0) return;
    Frame& top = stack_.back();
    if (top.kind == Kind::kProperty || top.kind == Kind::kItem) {
      if (top.text.size() + text.size() <= ctx_.options().max_value_bytes + 1) top.text += text;
    }
  }

  void OnClose(std::string_view name) {
    if (ignored_depth_ > 0) {
      --ignored_depth_;
      return;
    }
    // Tolerant: close up to the matching open element; ignore a stray end tag.
    auto it = std::find_if(stack_.rbegin(), stack_.rend(),
                           [&](const Frame& f) { return f.qname == name; });
    if (it == stack_.rend()) return;
    size_t target = size_t(stack_.rend() - it) - 1;
    while (stack_.size() > target) Pop();
  }

  void Pop() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.kind == Kind::kItem) {
      std::string_view t = Trim(f.text);
      if (!t.empty()) {
        if (Frame* pp = ParentProperty()) {
          pp->values.emplace_back(t);
        }
      }
      return;
    }
    if (f.kind != Kind::kProperty) return;
    if (!f.values.empty()) {
      std::string joined;
      for (const std::string& v : f.values) {
        if (!joined.empty()) joined += ", ";
        joined += v;
      }
      Emit(f.key, std::move(joined));
    } else if (!f.has_children) {
      Emit(f.key, std::move(f.text));
    }
  }

  Context& ctx_;
  std::string_view carrier_;
  uint64_t offset_;
  std::vector<Frame> stack_;
  size_t ignored_depth_ = 0;
  size_t emitted_ = 0;
};

}  // namespace

void ReadXmp(Context& ctx, Span xml, std::string_view carrier, uint64_t offset) {
  std::string converted;
  std::string_view text = AsChars(xml);
  // UTF-16 packets: with a BOM, or recognisable by '<' next to a zero byte.
  if (xml.size() >= 2 && ((xml[0] == 0xFE && xml[1] == 0xFF) || (xml[0] == 0 && xml[1] == '<'))) {
    converted = Utf16ToUtf8(xml, true);
    text = converted;
  } else if (xml.size() >= 2 &&
             ((xml[0] == 0xFF && xml[1] == 0xFE) || (xml[0] == '<' && xml[1] == 0))) {
    converted = Utf16ToUtf8(xml, false);
    text = converted;
  } else if (!IsValidUtf8(text)) {
    converted = Latin1ToUtf8(xml);
    text = converted;
  }
  XmpScanner scanner(ctx, carrier, offset);
  scanner.Scan(text);
  if (scanner.emitted() == 0) {
    // Nothing recognisable: keep the packet as one entry so no content goes unseen.
    std::string_view t = Trim(text);
    if (!t.empty() && t.find("<x:xmpmeta") == std::string_view::npos &&
        t.find("<rdf:RDF") == std::string_view::npos) {
      ctx.Add(carrier, "XMP", std::string(t), Category::kOther, offset);
    }
  }
}

}  // namespace custody::metadata::internal
