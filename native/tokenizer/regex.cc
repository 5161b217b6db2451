// Oniguruma-compatible backtracking regex engine (see regex.h for the supported syntax).
//
// The pattern is parsed into a small AST, then compiled into instructions for a backtracking
// VM with an explicit stack (leftmost match, alternatives and quantifiers tried in Perl /
// Oniguruma priority order). Lookarounds and atomic groups run as sub-programs.
#include "tokenizer/regex.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode/unicode_props.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace regex_internal {

namespace up = unicode_props;

constexpr size_t kNpos = std::numeric_limits<size_t>::max();
constexpr int kInf = -1;
constexpr int kMaxRepeat = 1000;

// ------------------------------------------------------------------------- character classes

struct ClassItem {
  enum Kind : uint8_t { kRange, kProps, kCategories, kSub, kIntersect } kind;
  bool negate = false;
  char32_t lo = 0, hi = 0;   // kRange
  uint32_t mask = 0;         // kProps: any of these property bits
  uint32_t categories = 0;   // kCategories: bit per GeneralCategory
  int sub = -1;              // kSub / kIntersect: another class
};

struct CharClass {
  bool negate = false;
  bool icase = false;
  std::vector<ClassItem> items;
  // Items of an "&&" intersection: each group must match.
  std::vector<int> and_groups;  // classes that must also match (besides `items`)
  uint64_t ascii[2] = {0, 0};   // precomputed answers for U+0000..U+007F
};

struct Program;
bool ClassMatches(const Program& p, int cls, char32_t c);

// ------------------------------------------------------------------------- instructions

enum Op : uint8_t { kChar, kCharFold, kAny, kAnyNl, kClass, kSplit, kJmp, kAssert, kLook, kAtomic, kMark, kCheck, kMatch };
enum AssertKind : int32_t { kLineBegin, kLineEnd, kTextBegin, kTextEnd, kTextEndNl, kWordB, kNotWordB, kSearchStart };

struct Inst {
  Op op;
  int32_t x = 0, y = 0;
  char32_t c = 0;
};

struct Look {
  int prog;
  bool behind, negate;
  int min_width, max_width;  // in characters (behind only)
};

struct Program {
  std::vector<std::vector<Inst>> progs;  // progs[0] is the main program
  std::vector<CharClass> classes;
  std::vector<Look> looks;
  int num_regs = 0;
  // Fast paths.
  enum Kind { kGeneral, kLiteral, kCharRun } kind = kGeneral;
  std::string literal;       // kLiteral (non-empty) / kCharRun (the char, UTF-8)
  int run_min = 0;           // kCharRun: at least this many repeats of `literal`
  // Possible first characters (main program); can_be_empty disables the filter.
  bool can_be_empty = true;
  bool first_non_ascii = true;
  uint64_t first_ascii[2] = {~0ull, ~0ull};
};

bool ItemMatches(const Program& p, const ClassItem& it, char32_t c) {
  bool m = false;
  switch (it.kind) {
    case ClassItem::kRange:
      m = c >= it.lo && c <= it.hi;
      break;
    case ClassItem::kProps:
      m = (up::Get(c) & it.mask) != 0;
      break;
    case ClassItem::kCategories:
      m = (it.categories >> up::Category(c)) & 1u;
      break;
    case ClassItem::kSub:
    case ClassItem::kIntersect:
      m = ClassMatches(p, it.sub, c);
      break;
  }
  return m != it.negate;
}

bool ClassMatchesRaw(const Program& p, const CharClass& cc, char32_t c) {
  bool m = false;
  for (const auto& it : cc.items) {
    if (ItemMatches(p, it, c)) {
      m = true;
      break;
    }
  }
  if (m) {
    for (int g : cc.and_groups) {
      if (!ClassMatches(p, g, c)) {
        m = false;
        break;
      }
    }
  }
  return m;
}

bool ClassMatchesNoCache(const Program& p, const CharClass& cc, char32_t c) {
  bool m = ClassMatchesRaw(p, cc, c);
  if (!m && cc.icase) {
    const char32_t f = up::SimpleFold(c);
    if (f != c) m = ClassMatchesRaw(p, cc, f);
    if (!m && c < 128 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) m = ClassMatchesRaw(p, cc, c ^ 0x20);
  }
  return m != cc.negate;
}

bool ClassMatches(const Program& p, int cls, char32_t c) {
  const CharClass& cc = p.classes[cls];
  if (c < 128) return (cc.ascii[c >> 6] >> (c & 63)) & 1u;
  return ClassMatchesNoCache(p, cc, c);
}

// ------------------------------------------------------------------------- parser

struct Node {
  enum Kind { kEmpty, kChar, kAny, kClass, kConcat, kAlt, kRepeat, kAssert, kLook, kAtomic } kind;
  char32_t c = 0;
  bool icase = false;
  bool dotall = false;
  int cls = -1;
  int min = 0, max = 0;
  bool greedy = true, possessive = false;
  int assert_kind = 0;
  bool behind = false, negate = false;
  std::vector<Node> kids;
};

class Parser {
 public:
  Parser(std::string_view pattern, Program* prog) : pat_(pattern), prog_(prog) {}

  Node Parse() {
    Node n = ParseAlt(false, false, false);
    if (pos_ < pat_.size()) Fail("unmatched close parenthesis");
    return n;
  }

 private:
  [[noreturn]] void Fail(const std::string& msg) const {
    throw TokenizerError("invalid regex \"" + std::string(pat_) + "\": " + msg + " (at byte " + std::to_string(pos_) +
                         ")");
  }
  bool AtEnd() const { return pos_ >= pat_.size(); }
  char32_t Peek() const {
    size_t len;
    return utf8::Decode(pat_, pos_, &len);
  }
  char32_t Next() {
    size_t len;
    const char32_t c = utf8::Decode(pat_, pos_, &len);
    pos_ += len;
    return c;
  }
  bool Eat(char c) {
    if (!AtEnd() && pat_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void SkipExtended() {
    if (!extended_) return;
    while (!AtEnd()) {
      const char c = pat_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (c == '#') {
        while (!AtEnd() && pat_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  Node ParseAlt(bool icase, bool dotall, bool extended) {
    const bool saved_i = icase_, saved_m = dotall_, saved_x = extended_;
    icase_ = icase;
    dotall_ = dotall;
    extended_ = extended;
    Node alt;
    alt.kind = Node::kAlt;
    alt.kids.push_back(ParseConcat());
    while (Eat('|')) alt.kids.push_back(ParseConcat());
    icase_ = saved_i;
    dotall_ = saved_m;
    extended_ = saved_x;
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Node ParseConcat() {
    Node cat;
    cat.kind = Node::kConcat;
    for (;;) {
      SkipExtended();
      if (AtEnd() || pat_[pos_] == '|' || pat_[pos_] == ')') break;
      Node atom;
      if (!ParseAtom(&atom)) continue;  // an option setting like (?i) that applies to the rest
      ParseQuantifiers(&atom);
      cat.kids.push_back(std::move(atom));
    }
    if (cat.kids.size() == 1) return std::move(cat.kids[0]);
    if (cat.kids.empty()) cat.kind = Node::kEmpty;
    return cat;
  }

  // Parses "{m}", "{m,}", "{,n}", "{m,n}" at pos_ (which is at '{'); false (pos_ unchanged)
  // when it is not a valid interval (then '{' is a literal, as in Oniguruma).
  bool ParseInterval(int* min, int* max) {
    size_t p = pos_ + 1;
    auto number = [&](int* out) {
      size_t start = p;
      long v = 0;
      while (p < pat_.size() && pat_[p] >= '0' && pat_[p] <= '9') {
        v = v * 10 + (pat_[p] - '0');
        if (v > 100000) v = 100000;
        ++p;
      }
      *out = static_cast<int>(v);
      return p > start;
    };
    int lo = 0, hi = 0;
    const bool has_lo = number(&lo);
    if (p < pat_.size() && pat_[p] == ',') {
      ++p;
      const bool has_hi = number(&hi);
      if (!has_lo && !has_hi) return false;
      if (!has_lo) lo = 0;
      if (!has_hi) hi = kInf;
    } else {
      if (!has_lo) return false;
      hi = lo;
    }
    if (p >= pat_.size() || pat_[p] != '}') return false;
    pos_ = p + 1;
    *min = lo;
    *max = hi;
    return true;
  }

  bool AtQuantifier() {
    if (AtEnd()) return false;
    const char c = pat_[pos_];
    if (c == '*' || c == '+' || c == '?') return true;
    if (c == '{') {
      const size_t save = pos_;
      int a, b;
      const bool ok = ParseInterval(&a, &b);
      pos_ = save;
      return ok;
    }
    return false;
  }

  void ParseQuantifiers(Node* atom) {
    for (;;) {
      SkipExtended();
      if (!AtQuantifier()) return;
      int min = 0, max = 0;
      const char c = pat_[pos_];
      bool interval = false;
      if (c == '*') {
        ++pos_;
        min = 0;
        max = kInf;
      } else if (c == '+') {
        ++pos_;
        min = 1;
        max = kInf;
      } else if (c == '?') {
        ++pos_;
        min = 0;
        max = 1;
      } else {
        ParseInterval(&min, &max);
        interval = true;
      }
      if (max != kInf && min > max) Fail("upper bound of a repeat is smaller than its lower bound");
      if (min > kMaxRepeat || max > kMaxRepeat) Fail("repeat count too large (at most 1000)");
      Node rep;
      rep.kind = Node::kRepeat;
      rep.min = min;
      rep.max = max;
      if (Eat('?')) {
        rep.greedy = false;
      } else if (!interval && Eat('+')) {
        rep.possessive = true;
      }
      rep.kids.push_back(std::move(*atom));
      *atom = std::move(rep);
    }
  }

  static Node MakeChar(char32_t c, bool icase) {
    Node n;
    n.kind = Node::kChar;
    n.c = c;
    n.icase = icase && up::SimpleFold(c) != c ? true : (icase && HasUpperVariant(c));
    return n;
  }
  static bool HasUpperVariant(char32_t c) {
    // A char that is the folded form of others (e.g. 'k' for 'K' and U+212A).
    return (c >= 'a' && c <= 'z') || up::Category(c) == up::kLl;
  }

  int NewClass() {
    prog_->classes.emplace_back();
    return static_cast<int>(prog_->classes.size() - 1);
  }

  Node MakeClassNode(int cls) {
    Node n;
    n.kind = Node::kClass;
    n.cls = cls;
    return n;
  }

  // Returns false for a bare option setting "(?i)" (nothing to add).
  bool ParseAtom(Node* out) {
    const char32_t c = Next();
    switch (c) {
      case '(':
        return ParseGroup(out);
      case '[': {
        *out = MakeClassNode(ParseClass());
        return true;
      }
      case '.':
        out->kind = Node::kAny;
        out->dotall = dotall_;
        return true;
      case '^':
        out->kind = Node::kAssert;
        out->assert_kind = kLineBegin;
        return true;
      case '$':
        out->kind = Node::kAssert;
        out->assert_kind = kLineEnd;
        return true;
      case '\\':
        ParseEscapeAtom(out);
        return true;
      case '*':
      case '+':
      case '?':
        Fail("target of repeat operator is not specified");
      case '{': {
        --pos_;
        int a, b;
        if (ParseInterval(&a, &b)) Fail("target of repeat operator is not specified");
        ++pos_;
        *out = MakeChar('{', icase_);
        return true;
      }
      default:
        *out = MakeChar(c, icase_);
        return true;
    }
  }

  bool ParseGroup(Node* out) {
    if (!Eat('?')) {
      *out = ParseAlt(icase_, dotall_, extended_);
      if (!Eat(')')) Fail("end pattern with unmatched parenthesis");
      return true;
    }
    if (AtEnd()) Fail("end pattern in group");
    const char k = pat_[pos_];
    if (k == ':') {
      ++pos_;
      *out = ParseAlt(icase_, dotall_, extended_);
    } else if (k == '=' || k == '!') {
      ++pos_;
      out->kind = Node::kLook;
      out->negate = k == '!';
      out->kids.push_back(ParseAlt(icase_, dotall_, extended_));
    } else if (k == '>') {
      ++pos_;
      out->kind = Node::kAtomic;
      out->kids.push_back(ParseAlt(icase_, dotall_, extended_));
    } else if (k == '#') {
      while (!AtEnd() && pat_[pos_] != ')') ++pos_;
      if (!Eat(')')) Fail("end pattern in group");
      return false;
    } else if (k == '<' && pos_ + 1 < pat_.size() && (pat_[pos_ + 1] == '=' || pat_[pos_ + 1] == '!')) {
      out->kind = Node::kLook;
      out->behind = true;
      out->negate = pat_[pos_ + 1] == '!';
      pos_ += 2;
      out->kids.push_back(ParseAlt(icase_, dotall_, extended_));
    } else if (k == '<' || k == '\'') {
      // Named group.
      const char close = k == '<' ? '>' : '\'';
      ++pos_;
      while (!AtEnd() && pat_[pos_] != close) ++pos_;
      if (!Eat(close)) Fail("invalid group name");
      *out = ParseAlt(icase_, dotall_, extended_);
    } else {
      // Options: (?imx-imx) or (?imx-imx:...)
      bool on = true, i = icase_, m = dotall_, x = extended_;
      for (;;) {
        if (AtEnd()) Fail("end pattern in group");
        const char o = pat_[pos_++];
        if (o == '-') {
          on = false;
        } else if (o == 'i') {
          i = on;
        } else if (o == 'm') {
          m = on;
        } else if (o == 'x') {
          x = on;
        } else if (o == ')') {
          // Applies to the rest of the enclosing group.
          icase_ = i;
          dotall_ = m;
          extended_ = x;
          return false;
        } else if (o == ':') {
          *out = ParseAlt(i, m, x);
          break;
        } else {
          Fail(std::string("undefined group option '") + o + "'");
        }
      }
    }
    if (!Eat(')')) Fail("end pattern with unmatched parenthesis");
    return true;
  }

  static int HexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // After a backslash: a single character escape, or returns false and leaves pos_ for the
  // caller (class escapes, anchors...).
  bool ParseCharEscape(char32_t e, char32_t* out) {
    switch (e) {
      case 't': *out = '\t'; return true;
      case 'n': *out = '\n'; return true;
      case 'r': *out = '\r'; return true;
      case 'f': *out = '\f'; return true;
      case 'v': *out = '\v'; return true;
      case 'a': *out = 0x07; return true;
      case 'e': *out = 0x1B; return true;
      case 'x': {
        uint32_t v = 0;
        if (Eat('{')) {
          int n = 0;
          while (!AtEnd() && HexVal(pat_[pos_]) >= 0 && n < 8) v = v * 16 + HexVal(pat_[pos_++]), ++n;
          if (n == 0 || !Eat('}')) Fail("invalid code point value");
        } else {
          int n = 0;
          while (!AtEnd() && HexVal(pat_[pos_]) >= 0 && n < 2) v = v * 16 + HexVal(pat_[pos_++]), ++n;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) Fail("invalid code point value");
        *out = v;
        return true;
      }
      case 'u': {
        uint32_t v = 0;
        for (int n = 0; n < 4; ++n) {
          if (AtEnd() || HexVal(pat_[pos_]) < 0) Fail("too short digits in \\u");
          v = v * 16 + HexVal(pat_[pos_++]);
        }
        if (v >= 0xD800 && v <= 0xDFFF) Fail("invalid code point value");
        *out = v;
        return true;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        // Octal (Oniguruma reads \1..\9 as backreferences when such a group exists; we
        // support no backreferences, so \NNN is octal like with no groups).
        uint32_t v = e - '0';
        int digits = 1;
        for (; digits < 3 && !AtEnd() && pat_[pos_] >= '0' && pat_[pos_] <= '7'; ++digits) v = v * 8 + (pat_[pos_++] - '0');
        if (e != '0' && digits == 1) Fail("backreferences are not supported");
        *out = v;
        return true;
      }
      default:
        return false;
    }
  }

  // Adds the class item(s) for \d \s \w \h \p{..} (and negations); false if `e` is none of them.
  bool ParseClassEscape(char32_t e, std::vector<ClassItem>* items) {
    ClassItem it;
    switch (e) {
      case 'd': case 'D':
        it.kind = ClassItem::kProps;
        it.mask = up::kDigit;
        it.negate = e == 'D';
        break;
      case 's': case 'S':
        it.kind = ClassItem::kProps;
        it.mask = up::kSpace;
        it.negate = e == 'S';
        break;
      case 'w': case 'W':
        it.kind = ClassItem::kProps;
        it.mask = up::kWord;
        it.negate = e == 'W';
        break;
      case 'h': case 'H': {
        const int cls = NewClass();
        CharClass& cc = prog_->classes[cls];
        for (auto r : {std::pair<char32_t, char32_t>{'0', '9'}, {'a', 'f'}, {'A', 'F'}}) {
          ClassItem ri;
          ri.kind = ClassItem::kRange;
          ri.lo = r.first;
          ri.hi = r.second;
          cc.items.push_back(ri);
        }
        it.kind = ClassItem::kSub;
        it.sub = cls;
        it.negate = e == 'H';
        break;
      }
      case 'p': case 'P': {
        if (!Eat('{')) Fail("invalid character property name");
        bool negate = e == 'P';
        if (Eat('^')) negate = !negate;
        const size_t start = pos_;
        while (!AtEnd() && pat_[pos_] != '}') ++pos_;
        if (AtEnd()) Fail("invalid character property name");
        const std::string name(pat_.substr(start, pos_ - start));
        ++pos_;
        it = PropertyItem(name);
        it.negate = negate;
        break;
      }
      default:
        return false;
    }
    items->push_back(it);
    return true;
  }

  ClassItem PropertyItem(const std::string& raw) {
    // Oniguruma ignores case, spaces, '-' and '_' in property names.
    std::string name;
    for (char ch : raw) {
      if (ch == ' ' || ch == '_' || ch == '-') continue;
      name.push_back(static_cast<char>((ch >= 'A' && ch <= 'Z') ? ch + 32 : ch));
    }
    struct Cat {
      const char* short_name;
      const char* long_name;
      uint32_t bits;
    };
    auto bit = [](std::initializer_list<up::GeneralCategory> cats) {
      uint32_t b = 0;
      for (auto c : cats) b |= 1u << c;
      return b;
    };
    using namespace up;
    const Cat cats[] = {
        {"l", "letter", bit({kLu, kLl, kLt, kLm, kLo})},
        {"lu", "uppercaseletter", bit({kLu})}, {"ll", "lowercaseletter", bit({kLl})},
        {"lt", "titlecaseletter", bit({kLt})}, {"lm", "modifierletter", bit({kLm})},
        {"lo", "otherletter", bit({kLo})}, {"lc", "casedletter", bit({kLu, kLl, kLt})},
        {"m", "mark", bit({kMn, kMc, kMe})}, {"mn", "nonspacingmark", bit({kMn})},
        {"mc", "spacingmark", bit({kMc})}, {"me", "enclosingmark", bit({kMe})},
        {"n", "number", bit({kNd, kNl, kNo})}, {"nd", "decimalnumber", bit({kNd})},
        {"nl", "letternumber", bit({kNl})}, {"no", "othernumber", bit({kNo})},
        {"p", "punctuation", bit({kPc, kPd, kPs, kPe, kPi, kPf, kPo})},
        {"pc", "connectorpunctuation", bit({kPc})}, {"pd", "dashpunctuation", bit({kPd})},
        {"ps", "openpunctuation", bit({kPs})}, {"pe", "closepunctuation", bit({kPe})},
        {"pi", "initialpunctuation", bit({kPi})}, {"pf", "finalpunctuation", bit({kPf})},
        {"po", "otherpunctuation", bit({kPo})},
        {"s", "symbol", bit({kSm, kSc, kSk, kSo})}, {"sm", "mathsymbol", bit({kSm})},
        {"sc", "currencysymbol", bit({kSc})}, {"sk", "modifiersymbol", bit({kSk})},
        {"so", "othersymbol", bit({kSo})},
        {"z", "separator", bit({kZs, kZl, kZp})}, {"zs", "spaceseparator", bit({kZs})},
        {"zl", "lineseparator", bit({kZl})}, {"zp", "paragraphseparator", bit({kZp})},
        {"c", "other", bit({kCc, kCf, kCo, kCs, kCn})}, {"cc", "control", bit({kCc})},
        {"cf", "format", bit({kCf})}, {"co", "privateuse", bit({kCo})}, {"cs", "surrogate", bit({kCs})},
        {"cn", "unassigned", bit({kCn})},
        {"any", "any", 0xFFFFFFFFu},
        {"assigned", "assigned", ~bit({kCn})},
    };
    ClassItem it;
    for (const auto& c : cats) {
      if (name == c.short_name || name == c.long_name) {
        it.kind = ClassItem::kCategories;
        it.categories = c.bits;
        return it;
      }
    }
    struct PropBit {
      const char* name;
      uint32_t mask;
    };
    const PropBit props[] = {{"alpha", kAlpha}, {"alphabetic", kAlpha}, {"upper", kUpper}, {"uppercase", kUpper},
                             {"lower", kLower}, {"lowercase", kLower}, {"alnum", kAlnum}, {"punct", kPunct},
                             {"digit", kDigit}, {"space", kSpace}, {"whitespace", kSpace}, {"word", kWord}};
    for (const auto& p : props) {
      if (name == p.name) {
        it.kind = ClassItem::kProps;
        it.mask = p.mask;
        return it;
      }
    }
    Fail("invalid character property name {" + raw + "} (supported: general categories, Alpha, Upper, Lower, "
         "Alnum, Punct, Digit, Space, Word, Any, Assigned; scripts are not supported)");
  }

  void ParseEscapeAtom(Node* out) {
    if (AtEnd()) Fail("end pattern at escape");
    const char32_t e = Next();
    switch (e) {
      case 'A': out->kind = Node::kAssert; out->assert_kind = kTextBegin; return;
      case 'z': out->kind = Node::kAssert; out->assert_kind = kTextEnd; return;
      case 'Z': out->kind = Node::kAssert; out->assert_kind = kTextEndNl; return;
      case 'b': out->kind = Node::kAssert; out->assert_kind = kWordB; return;
      case 'B': out->kind = Node::kAssert; out->assert_kind = kNotWordB; return;
      case 'G': out->kind = Node::kAssert; out->assert_kind = kSearchStart; return;
      case 'R': {
        // (?>\r\n|[\n\v\f\r\x85\u2028\u2029])
        Node crlf;
        crlf.kind = Node::kConcat;
        crlf.kids.push_back(MakeChar('\r', false));
        crlf.kids.push_back(MakeChar('\n', false));
        const int cls = NewClass();
        for (char32_t ch : {U'\n', U'\v', U'\f', U'\r', U'\x85', U'\u2028', U'\u2029'}) {
          ClassItem ri;
          ri.kind = ClassItem::kRange;
          ri.lo = ri.hi = ch;
          prog_->classes[cls].items.push_back(ri);
        }
        Node alt;
        alt.kind = Node::kAlt;
        alt.kids.push_back(std::move(crlf));
        alt.kids.push_back(MakeClassNode(cls));
        out->kind = Node::kAtomic;
        out->kids.push_back(std::move(alt));
        return;
      }
      default:
        break;
    }
    char32_t ch;
    if (ParseCharEscape(e, &ch)) {
      *out = MakeChar(ch, icase_);
      return;
    }
    std::vector<ClassItem> items;
    if (ParseClassEscape(e, &items)) {
      const int cls = NewClass();
      prog_->classes[cls].items = std::move(items);
      *out = MakeClassNode(cls);
      return;
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '1' && e <= '9')) {
      Fail(std::string("unsupported escape \\") + static_cast<char>(e));
    }
    *out = MakeChar(e, icase_);
  }

  // Parses a bracket class after '['; returns its index.
  int ParseClass() {
    const int cls = NewClass();
    bool negate = Eat('^');
    std::vector<ClassItem> items;
    std::vector<int> and_groups;
    bool first = true;
    for (;;) {
      if (AtEnd()) Fail("premature end of char-class");
      if (pat_[pos_] == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (pat_.compare(pos_, 2, "&&") == 0) {
        pos_ += 2;
        // Everything so far is one operand; the rest (up to ']') is another.
        const int left = NewClass();
        prog_->classes[left].items = std::move(items);
        items.clear();
        and_groups.push_back(left);
        continue;
      }
      if (pat_[pos_] == '[') {
        if (pat_.compare(pos_, 2, "[:") == 0) {
          const size_t close = pat_.find(":]", pos_ + 2);
          if (close != std::string_view::npos) {
            std::string name(pat_.substr(pos_ + 2, close - pos_ - 2));
            bool neg = false;
            if (!name.empty() && name[0] == '^') {
              neg = true;
              name.erase(0, 1);
            }
            pos_ = close + 2;
            ClassItem it = PosixItem(name);
            it.negate = neg;
            items.push_back(it);
            continue;
          }
        }
        ++pos_;
        ClassItem it;
        it.kind = ClassItem::kSub;
        it.sub = ParseClass();
        items.push_back(it);
        continue;
      }
      char32_t lo;
      if (!ParseClassChar(&lo, &items)) continue;  // a class escape was added
      // Range?
      if (pos_ + 1 < pat_.size() && pat_[pos_] == '-' && pat_[pos_ + 1] != ']') {
        const size_t save = pos_;
        ++pos_;
        char32_t hi;
        std::vector<ClassItem> tmp;
        if (pat_[pos_] == '[' || !ParseClassChar(&hi, &tmp)) {
          pos_ = save;  // "a-\d": '-' is literal
        } else {
          if (hi < lo) Fail("empty range in char class");
          ClassItem it;
          it.kind = ClassItem::kRange;
          it.lo = lo;
          it.hi = hi;
          items.push_back(it);
          continue;
        }
      }
      ClassItem it;
      it.kind = ClassItem::kRange;
      it.lo = it.hi = lo;
      items.push_back(it);
    }
    CharClass& cc = prog_->classes[cls];
    if (!and_groups.empty()) {
      // items holds the last operand; every other operand must match too.
      const int last = NewClass();
      prog_->classes[last].items = std::move(items);
      CharClass& c2 = prog_->classes[cls];
      ClassItem all;
      all.kind = ClassItem::kSub;
      all.sub = last;
      c2.items.push_back(all);
      c2.and_groups = std::move(and_groups);
    } else {
      cc.items = std::move(items);
    }
    prog_->classes[cls].negate = negate;
    prog_->classes[cls].icase = icase_;
    return cls;
  }

  ClassItem PosixItem(const std::string& name) {
    ClassItem it;
    it.kind = ClassItem::kProps;
    if (name == "alpha") it.mask = up::kAlpha;
    else if (name == "upper") it.mask = up::kUpper;
    else if (name == "lower") it.mask = up::kLower;
    else if (name == "alnum") it.mask = up::kAlnum;
    else if (name == "punct") it.mask = up::kPunct;
    else if (name == "digit") it.mask = up::kDigit;
    else if (name == "space") it.mask = up::kSpace;
    else if (name == "word") it.mask = up::kWord;
    else if (name == "xdigit") {
      const int cls = NewClass();
      for (auto r : {std::pair<char32_t, char32_t>{'0', '9'}, {'a', 'f'}, {'A', 'F'}}) {
        ClassItem ri;
        ri.kind = ClassItem::kRange;
        ri.lo = r.first;
        ri.hi = r.second;
        prog_->classes[cls].items.push_back(ri);
      }
      it.kind = ClassItem::kSub;
      it.sub = cls;
    } else if (name == "cntrl") {
      it.kind = ClassItem::kCategories;
      it.categories = 1u << up::kCc;
    } else {
      Fail("unsupported POSIX bracket [:" + name + ":]");
    }
    return it;
  }

  // One class member at pos_: a char (returns true, *out) or a class escape (adds to *items,
  // returns false).
  bool ParseClassChar(char32_t* out, std::vector<ClassItem>* items) {
    char32_t c = Next();
    if (c != '\\') {
      *out = c;
      return true;
    }
    if (AtEnd()) Fail("end pattern at escape");
    const char32_t e = Next();
    if (e == 'b') {
      *out = 0x08;
      return true;
    }
    if (ParseCharEscape(e, out)) return true;
    if (ParseClassEscape(e, items)) return false;
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) Fail(std::string("unsupported escape \\") + static_cast<char>(e));
    *out = e;
    return true;
  }

  std::string_view pat_;
  Program* prog_;
  size_t pos_ = 0;
  bool icase_ = false, dotall_ = false, extended_ = false;
};

// ------------------------------------------------------------------------- compiler

void Widths(const Node& n, int* lo, int* hi) {  // hi = kInf when unbounded
  switch (n.kind) {
    case Node::kEmpty:
    case Node::kAssert:
    case Node::kLook:
      *lo = *hi = 0;
      return;
    case Node::kChar:
    case Node::kAny:
    case Node::kClass:
      *lo = *hi = 1;
      return;
    case Node::kAtomic:
      Widths(n.kids[0], lo, hi);
      return;
    case Node::kConcat: {
      *lo = 0;
      *hi = 0;
      for (const auto& k : n.kids) {
        int a, b;
        Widths(k, &a, &b);
        *lo += a;
        *hi = (*hi == kInf || b == kInf) ? kInf : *hi + b;
      }
      return;
    }
    case Node::kAlt: {
      *lo = std::numeric_limits<int>::max();
      *hi = 0;
      for (const auto& k : n.kids) {
        int a, b;
        Widths(k, &a, &b);
        *lo = std::min(*lo, a);
        *hi = (*hi == kInf || b == kInf) ? kInf : std::max(*hi, b);
      }
      return;
    }
    case Node::kRepeat: {
      int a, b;
      Widths(n.kids[0], &a, &b);
      *lo = a * n.min;
      *hi = (n.max == kInf || b == kInf) ? (b == 0 ? 0 : kInf) : b * n.max;
      return;
    }
  }
}

class Compiler {
 public:
  explicit Compiler(Program* p, std::string_view pattern) : p_(p), pattern_(pattern) {}

  int CompileProgram(const Node& n) {
    const int idx = static_cast<int>(p_->progs.size());
    p_->progs.emplace_back();
    std::vector<Inst> code;
    Emit(n, &code);
    code.push_back(Inst{kMatch});
    p_->progs[idx] = std::move(code);
    return idx;
  }

 private:
  static int Here(const std::vector<Inst>* code) { return static_cast<int>(code->size()); }

  void Emit(const Node& n, std::vector<Inst>* code) {
    switch (n.kind) {
      case Node::kEmpty:
        return;
      case Node::kChar: {
        Inst i{n.icase ? kCharFold : kChar};
        i.c = n.icase ? up::SimpleFold(n.c) : n.c;
        code->push_back(i);
        return;
      }
      case Node::kAny:
        code->push_back(Inst{n.dotall ? kAnyNl : kAny});
        return;
      case Node::kClass: {
        Inst i{kClass};
        i.x = n.cls;
        code->push_back(i);
        return;
      }
      case Node::kConcat:
        for (const auto& k : n.kids) Emit(k, code);
        return;
      case Node::kAlt: {
        std::vector<int> jumps;
        for (size_t k = 0; k < n.kids.size(); ++k) {
          if (k + 1 < n.kids.size()) {
            const int split = Here(code);
            code->push_back(Inst{kSplit});
            (*code)[split].x = split + 1;
            Emit(n.kids[k], code);
            jumps.push_back(Here(code));
            code->push_back(Inst{kJmp});
            (*code)[split].y = Here(code);
          } else {
            Emit(n.kids[k], code);
          }
        }
        for (int j : jumps) (*code)[j].x = Here(code);
        return;
      }
      case Node::kAssert: {
        Inst i{kAssert};
        i.x = n.assert_kind;
        code->push_back(i);
        return;
      }
      case Node::kLook: {
        Look look;
        look.behind = n.behind;
        look.negate = n.negate;
        look.min_width = look.max_width = 0;
        if (n.behind) {
          Widths(n.kids[0], &look.min_width, &look.max_width);
          if (look.max_width == kInf) {
            throw TokenizerError("invalid regex \"" + std::string(pattern_) +
                                 "\": invalid pattern in look-behind (unbounded width)");
          }
        }
        look.prog = CompileProgram(n.kids[0]);
        p_->looks.push_back(look);
        Inst i{kLook};
        i.x = static_cast<int32_t>(p_->looks.size() - 1);
        code->push_back(i);
        return;
      }
      case Node::kAtomic: {
        Inst i{kAtomic};
        i.x = CompileProgram(n.kids[0]);
        code->push_back(i);
        return;
      }
      case Node::kRepeat: {
        if (n.possessive) {
          Node inner = n;
          inner.possessive = false;
          Inst i{kAtomic};
          i.x = CompileProgram(inner);
          code->push_back(i);
          return;
        }
        const Node& body = n.kids[0];
        int lo, hi;
        Widths(body, &lo, &hi);
        const bool nullable = lo == 0;
        for (int k = 0; k < n.min; ++k) Emit(body, code);
        if (n.max == kInf) {
          // L1: split L2, L3 ; L2: [mark] body [check] jmp L1 ; L3:
          const int l1 = Here(code);
          code->push_back(Inst{kSplit});
          const int reg = nullable ? p_->num_regs++ : -1;
          if (nullable) {
            Inst m{kMark};
            m.x = reg;
            code->push_back(m);
          }
          const int l2 = l1 + 1;
          Emit(body, code);
          if (nullable) {
            Inst c{kCheck};
            c.x = reg;
            code->push_back(c);
          }
          Inst j{kJmp};
          j.x = l1;
          code->push_back(j);
          const int l3 = Here(code);
          (*code)[l1].x = n.greedy ? l2 : l3;
          (*code)[l1].y = n.greedy ? l3 : l2;
        } else {
          std::vector<int> splits;
          for (int k = n.min; k < n.max; ++k) {
            splits.push_back(Here(code));
            code->push_back(Inst{kSplit});
            Emit(body, code);
          }
          const int end = Here(code);
          for (int s : splits) {
            (*code)[s].x = n.greedy ? s + 1 : end;
            (*code)[s].y = n.greedy ? end : s + 1;
          }
        }
        return;
      }
    }
  }

  Program* p_;
  std::string_view pattern_;
};

// First-character analysis for the search loop. Returns true when `n` can match empty.
bool FirstChars(const Program& p, const Node& n, uint64_t ascii[2], bool* non_ascii) {
  auto all = [&]() {
    ascii[0] = ascii[1] = ~0ull;
    *non_ascii = true;
  };
  switch (n.kind) {
    case Node::kEmpty:
    case Node::kAssert:
    case Node::kLook:
      return true;
    case Node::kChar: {
      if (n.c < 128) {
        ascii[n.c >> 6] |= 1ull << (n.c & 63);
        if (n.icase) {
          for (char32_t c = 0; c < 128; ++c) {
            if (up::SimpleFold(c) == up::SimpleFold(n.c)) ascii[c >> 6] |= 1ull << (c & 63);
          }
          *non_ascii = true;  // e.g. U+212A KELVIN SIGN folds to 'k'
        }
      } else {
        *non_ascii = true;
        if (n.icase) all();
      }
      return false;
    }
    case Node::kAny:
      all();
      return false;
    case Node::kClass: {
      const CharClass& cc = p.classes[n.cls];
      ascii[0] |= cc.ascii[0];
      ascii[1] |= cc.ascii[1];
      *non_ascii = true;
      return false;
    }
    case Node::kAtomic:
      return FirstChars(p, n.kids[0], ascii, non_ascii);
    case Node::kConcat:
      for (const auto& k : n.kids) {
        if (!FirstChars(p, k, ascii, non_ascii)) return false;
      }
      return true;
    case Node::kAlt: {
      bool empty = false;
      for (const auto& k : n.kids) empty |= FirstChars(p, k, ascii, non_ascii);
      return empty;
    }
    case Node::kRepeat: {
      const bool e = FirstChars(p, n.kids[0], ascii, non_ascii);
      return e || n.min == 0;
    }
  }
  return true;
}

// ------------------------------------------------------------------------- VM

struct Frame {
  int32_t pc;   // >= 0: resume here; -1: restore register `reg`
  int32_t reg;
  size_t pos;
};

struct VmState {
  std::vector<Frame> stack;
  std::vector<size_t> regs;
};

inline bool IsWordAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return false;
  size_t len;
  return up::Get(utf8::Decode(text, pos, &len)) & up::kWord;
}
inline bool IsWordBefore(std::string_view text, size_t pos) {
  if (pos == 0) return false;
  size_t len;
  return up::Get(utf8::DecodeBefore(text, pos, &len)) & up::kWord;
}

bool Run(const Program& p, int prog, std::string_view text, size_t start, size_t search_start, size_t required_end,
         VmState* st, size_t* match_end);

bool CheckLook(const Program& p, const Look& look, std::string_view text, size_t pos, size_t search_start,
               VmState* st) {
  size_t e;
  bool found = false;
  if (!look.behind) {
    found = Run(p, look.prog, text, pos, search_start, kNpos, st, &e);
  } else {
    // Try every start from min_width to max_width characters back (nearest first).
    size_t s = pos;
    int k = 0;
    for (; k < look.min_width && s > 0; ++k) {
      size_t len;
      utf8::DecodeBefore(text, s, &len);
      s -= len;
    }
    if (k == look.min_width) {
      for (;;) {
        if (Run(p, look.prog, text, s, search_start, pos, st, &e)) {
          found = true;
          break;
        }
        if (k == look.max_width || s == 0) break;
        size_t len;
        utf8::DecodeBefore(text, s, &len);
        s -= len;
        ++k;
      }
    }
  }
  return found != look.negate;
}

bool Run(const Program& p, int prog, std::string_view text, size_t start, size_t search_start, size_t required_end,
         VmState* st, size_t* match_end) {
  const std::vector<Inst>& code = p.progs[prog];
  const size_t base = st->stack.size();
  const size_t n = text.size();
  st->stack.push_back(Frame{0, 0, start});
  while (st->stack.size() > base) {
    const Frame f = st->stack.back();
    st->stack.pop_back();
    if (f.pc < 0) {
      st->regs[f.reg] = f.pos;
      continue;
    }
    int pc = f.pc;
    size_t pos = f.pos;
    for (;;) {
      const Inst& in = code[pc];
      bool ok = true;
      switch (in.op) {
        case kChar: {
          if (pos >= n) {
            ok = false;
            break;
          }
          const unsigned char b = static_cast<unsigned char>(text[pos]);
          if (b < 0x80) {
            ok = b == in.c;
            ++pos;
          } else {
            size_t len;
            ok = utf8::Decode(text, pos, &len) == in.c;
            pos += len;
          }
          ++pc;
          break;
        }
        case kCharFold: {
          if (pos >= n) {
            ok = false;
            break;
          }
          size_t len;
          ok = up::SimpleFold(utf8::Decode(text, pos, &len)) == in.c;
          pos += len;
          ++pc;
          break;
        }
        case kAny:
        case kAnyNl: {
          if (pos >= n || (in.op == kAny && text[pos] == '\n')) {
            ok = false;
            break;
          }
          pos += utf8::SeqLen(static_cast<unsigned char>(text[pos]));
          ++pc;
          break;
        }
        case kClass: {
          if (pos >= n) {
            ok = false;
            break;
          }
          const unsigned char b = static_cast<unsigned char>(text[pos]);
          if (b < 0x80) {
            const CharClass& cc = p.classes[in.x];
            ok = (cc.ascii[b >> 6] >> (b & 63)) & 1u;
            ++pos;
          } else {
            size_t len;
            ok = ClassMatches(p, in.x, utf8::Decode(text, pos, &len));
            pos += len;
          }
          ++pc;
          break;
        }
        case kSplit:
          st->stack.push_back(Frame{in.y, 0, pos});
          pc = in.x;
          break;
        case kJmp:
          pc = in.x;
          break;
        case kAssert: {
          switch (in.x) {
            case kLineBegin: ok = pos == 0 || text[pos - 1] == '\n'; break;
            case kLineEnd: ok = pos == n || text[pos] == '\n'; break;
            case kTextBegin: ok = pos == 0; break;
            case kTextEnd: ok = pos == n; break;
            case kTextEndNl: ok = pos == n || (pos + 1 == n && text[pos] == '\n'); break;
            case kWordB: ok = IsWordBefore(text, pos) != IsWordAt(text, pos); break;
            case kNotWordB: ok = IsWordBefore(text, pos) == IsWordAt(text, pos); break;
            case kSearchStart: ok = pos == search_start; break;
          }
          ++pc;
          break;
        }
        case kLook:
          ok = CheckLook(p, p.looks[in.x], text, pos, search_start, st);
          ++pc;
          break;
        case kAtomic: {
          size_t e;
          ok = Run(p, in.x, text, pos, search_start, kNpos, st, &e);
          if (ok) pos = e;
          ++pc;
          break;
        }
        case kMark:
          st->stack.push_back(Frame{-1, in.x, st->regs[in.x]});
          st->regs[in.x] = pos;
          ++pc;
          break;
        case kCheck:
          ok = pos != st->regs[in.x];
          ++pc;
          break;
        case kMatch:
          if (required_end != kNpos && pos != required_end) {
            ok = false;
            break;
          }
          // Restore registers pushed above `base` is unnecessary: they belong to this program.
          st->stack.resize(base);
          *match_end = pos;
          return true;
      }
      if (!ok) break;
    }
  }
  return false;
}

VmState& ThreadVm(const Program& p) {
  thread_local VmState st;
  if (st.regs.size() < static_cast<size_t>(p.num_regs)) st.regs.resize(p.num_regs, kNpos);
  return st;
}

}  // namespace regex_internal

using namespace regex_internal;

Regex::Regex(std::string_view pattern) : pattern_(pattern), program_(std::make_unique<Program>()) {
  if (!utf8::IsValid(pattern)) throw TokenizerError("invalid regex: the pattern is not valid UTF-8");
  Program& p = *program_;
  Parser parser(pattern, &p);
  Node root = parser.Parse();
  // Precompute the ASCII answers of every class (classes may refer to later ones: compute
  // lazily in index order after all exist).
  for (auto& cc : p.classes) {
    cc.ascii[0] = cc.ascii[1] = 0;
  }
  for (size_t k = p.classes.size(); k-- > 0;) {
    CharClass& cc = p.classes[k];
    uint64_t a[2] = {0, 0};
    for (char32_t c = 0; c < 128; ++c) {
      if (ClassMatchesNoCache(p, cc, c)) a[c >> 6] |= 1ull << (c & 63);
    }
    cc.ascii[0] = a[0];
    cc.ascii[1] = a[1];
  }
  // Nested classes are looked up through ClassMatches, which uses the cache of the nested
  // class: recompute in dependency-safe order (nested classes have larger indices than the
  // class that contains them, except for "&&" groups, which are created before; a second pass
  // settles both).
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t k = p.classes.size(); k-- > 0;) {
      CharClass& cc = p.classes[k];
      uint64_t a[2] = {0, 0};
      for (char32_t c = 0; c < 128; ++c) {
        if (ClassMatchesNoCache(p, cc, c)) a[c >> 6] |= 1ull << (c & 63);
      }
      cc.ascii[0] = a[0];
      cc.ascii[1] = a[1];
    }
  }

  // Fast paths.
  auto literal_of = [](const Node& n, std::string* out) {
    auto add = [&](const Node& c) {
      if (c.kind != Node::kChar || c.icase) return false;
      utf8::Append(out, c.c);
      return true;
    };
    if (n.kind == Node::kChar) return add(n);
    if (n.kind != Node::kConcat) return false;
    for (const auto& k : n.kids) {
      if (!add(k)) return false;
    }
    return true;
  };
  std::string lit;
  if (literal_of(root, &lit) && !lit.empty()) {
    p.kind = Program::kLiteral;
    p.literal = lit;
  } else if (root.kind == Node::kRepeat && root.greedy && !root.possessive && root.max == kInf && root.min >= 1 &&
             root.kids[0].kind == Node::kChar && !root.kids[0].icase) {
    p.kind = Program::kCharRun;
    utf8::Append(&p.literal, root.kids[0].c);
    p.run_min = root.min;
  }
  Compiler compiler(&p, pattern);
  compiler.CompileProgram(root);
  uint64_t first[2] = {0, 0};
  bool non_ascii = false;
  p.can_be_empty = FirstChars(p, root, first, &non_ascii);
  p.first_ascii[0] = first[0];
  p.first_ascii[1] = first[1];
  p.first_non_ascii = non_ascii;
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

bool Regex::Search(std::string_view text, size_t from, size_t* begin, size_t* end) const {
  const Program& p = *program_;
  const size_t n = text.size();
  if (from > n) return false;
  if (p.kind == Program::kLiteral) {
    const size_t at = text.find(p.literal, from);
    if (at == std::string_view::npos) return false;
    *begin = at;
    *end = at + p.literal.size();
    return true;
  }
  if (p.kind == Program::kCharRun) {
    const std::string& c = p.literal;
    size_t at = from;
    while ((at = text.find(c, at)) != std::string_view::npos) {
      size_t e = at;
      int count = 0;
      while (text.compare(e, c.size(), c) == 0) {
        e += c.size();
        ++count;
      }
      if (count >= p.run_min) {
        *begin = at;
        *end = e;
        return true;
      }
      at = e;
    }
    return false;
  }
  VmState& st = ThreadVm(p);
  size_t pos = from;
  for (;;) {
    bool try_here = true;
    if (!p.can_be_empty) {
      if (pos >= n) return false;
      const unsigned char b = static_cast<unsigned char>(text[pos]);
      try_here = b < 0x80 ? ((p.first_ascii[b >> 6] >> (b & 63)) & 1u) : p.first_non_ascii;
    }
    if (try_here) {
      size_t e;
      if (Run(p, 0, text, pos, from, kNpos, &st, &e)) {
        *begin = pos;
        *end = e;
        return true;
      }
    }
    if (pos >= n) return false;
    pos += utf8::SeqLen(static_cast<unsigned char>(text[pos]));
  }
}

void Regex::FindAll(std::string_view text, std::vector<std::pair<size_t, size_t>>* matches) const {
  // The onig crate's FindMatches: search from last_end; an empty match right where the
  // previous match ended is skipped by moving on one character.
  size_t last_end = 0;
  bool have_last = false;
  size_t last_match_end = 0;
  const size_t n = text.size();
  while (last_end <= n) {
    size_t s, e;
    if (!Search(text, last_end, &s, &e)) return;
    if (s == e && have_last && last_match_end == e) {
      last_end += last_end < n ? utf8::SeqLen(static_cast<unsigned char>(text[last_end])) : 1;
      continue;
    }
    last_end = e;
    last_match_end = e;
    have_last = true;
    matches->emplace_back(s, e);
  }
}

}  // namespace tokenizer
}  // namespace crossrank
