#include "ops/schema_rewrite.h"

#include <cctype>
#include <regex>

namespace cv::ops {

std::vector<std::string> SplitStatements(const std::string& cql) {
  std::vector<std::string> out;
  std::string cur;
  size_t start = 0;
  while (start < cql.size()) {
    size_t nl = cql.find('\n', start);
    std::string line = cql.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? cql.size() : nl + 1;
    cur += line + "\n";
    size_t end = line.find_last_not_of(" \t\r");
    if (end != std::string::npos && line[end] == ';') {
      size_t b = cur.find_first_not_of(" \t\r\n");
      if (b != std::string::npos) out.push_back(cur.substr(b, cur.find_last_of(';') - b + 1));
      cur.clear();
    }
  }
  size_t b = cur.find_first_not_of(" \t\r\n");
  if (b != std::string::npos) out.push_back(cur.substr(b));
  return out;
}

std::string StripTableId(const std::string& stmt) {
  static const std::regex kId(R"(\bID\s*=\s*[0-9a-fA-F-]{36}\s*(AND\s+)?)", std::regex::icase);
  std::string s = std::regex_replace(stmt, kId, "");
  // "WITH ;" or "WITH" left dangling if ID was the only option.
  static const std::regex kDangling(R"(\bWITH\s*;)", std::regex::icase);
  return std::regex_replace(s, kDangling, ";");
}

std::string RewriteTableStatement(const std::string& stmt, const std::string& from_ks,
                                  const std::string& from_table, const std::string& to_ks,
                                  const std::string& to_table) {
  if (from_ks == to_ks && from_table == to_table) return stmt;
  std::string s = stmt;
  // ks.table (possibly quoted) -> to_ks.to_table
  std::regex qualified("\\b\"?" + from_ks + "\"?\\.\"?" + from_table + "\"?\\b");
  s = std::regex_replace(s, qualified, to_ks + "." + to_table);
  // type references and CREATE TYPE ks.x
  if (from_ks != to_ks) s = std::regex_replace(s, std::regex("\\b\"?" + from_ks + "\"?\\."), to_ks + ".");
  // The id belongs to the original table, which may still exist: a copy gets a fresh one.
  s = StripTableId(s);
  if (from_table != to_table) {
    static const std::regex kIndex(R"re(^(CREATE\s+(CUSTOM\s+)?INDEX\s+(IF\s+NOT\s+EXISTS\s+)?)"?(\w+)"?)re",
                                   std::regex::icase);
    s = std::regex_replace(s, kIndex, "$1" + to_table + "_$4");
  }
  return s;
}

std::string RewriteKeyspaceStatement(const std::string& stmt, const std::string& from_ks,
                                     const std::string& to_ks) {
  if (from_ks == to_ks) return stmt;
  std::regex name(R"(^(CREATE\s+KEYSPACE\s+(IF\s+NOT\s+EXISTS\s+)?)\"?)" + from_ks + "\"?\\b",
                  std::regex::icase);
  return std::regex_replace(stmt, name, "$1" + to_ks);
}

}  // namespace cv::ops

// ---- what a live restore may run ----------------------------------------------------------------

namespace cv::ops {
namespace {

struct Token {
  enum Kind { kWord, kQuoted, kString, kSymbol } kind;
  std::string text;  // kQuoted: the name, unescaped; kString: the contents
};

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// CQL's lexical structure, as far as it matters here: words, "quoted names", 'strings', $$strings$$,
// comments (skipped) and single-character symbols. False for an unterminated quote or comment.
bool Tokenize(const std::string& s, std::vector<Token>* out) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if ((c == '-' || c == '/') && i + 1 < n && s[i + 1] == c) {
      size_t nl = s.find('\n', i);
      i = nl == std::string::npos ? n : nl + 1;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      if (end == std::string::npos) return false;
      i = end + 2;
    } else if (c == '"' || c == '\'') {
      std::string text;
      size_t j = i + 1;
      for (;; ++j) {
        if (j >= n) return false;
        if (s[j] == c) {
          if (j + 1 < n && s[j + 1] == c) {
            text += c;
            ++j;
            continue;
          }
          break;
        }
        text += s[j];
      }
      out->push_back({c == '"' ? Token::kQuoted : Token::kString, text});
      i = j + 1;
    } else if (c == '$' && i + 1 < n && s[i + 1] == '$') {
      size_t end = s.find("$$", i + 2);
      if (end == std::string::npos) return false;
      out->push_back({Token::kString, s.substr(i + 2, end - i - 2)});
      i = end + 2;
    } else if (IsWordChar(c)) {
      size_t j = i;
      while (j < n && IsWordChar(s[j])) ++j;
      out->push_back({Token::kWord, s.substr(i, j - i)});
      i = j;
    } else {
      out->push_back({Token::kSymbol, std::string(1, c)});
      ++i;
    }
  }
  return true;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads the tokens of one statement from the front.
class Cursor {
 public:
  explicit Cursor(const std::vector<Token>& t) : t_(t) {}
  bool AtEnd() const { return i_ >= t_.size(); }
  // Consumes the keyword (case-insensitive) if it comes next.
  bool Keyword(const char* kw) {
    if (AtEnd() || t_[i_].kind != Token::kWord || Lower(t_[i_].text) != kw) return false;
    ++i_;
    return true;
  }
  bool PeekKeyword(const char* kw, size_t ahead = 0) const {
    size_t j = i_ + ahead;
    return j < t_.size() && t_[j].kind == Token::kWord && Lower(t_[j].text) == kw;
  }
  bool Symbol(char c) {
    if (AtEnd() || t_[i_].kind != Token::kSymbol || t_[i_].text[0] != c) return false;
    ++i_;
    return true;
  }
  // An identifier as CQL resolves it: unquoted names are case-insensitive (folded to lower case).
  bool Name(std::string* out) {
    if (AtEnd() || (t_[i_].kind != Token::kWord && t_[i_].kind != Token::kQuoted)) return false;
    *out = t_[i_].kind == Token::kWord ? Lower(t_[i_].text) : t_[i_].text;
    ++i_;
    return true;
  }
  bool Number() {
    if (AtEnd() || t_[i_].kind != Token::kWord) return false;
    const std::string& w = t_[i_].text;
    if (w.find_first_not_of("0123456789") != std::string::npos) return false;
    ++i_;
    return true;
  }
  bool IfNotExists() { return Keyword("if") ? Keyword("not") && Keyword("exists") : true; }
  bool QualifiedName(std::string* ks, std::string* name) { return Name(ks) && Symbol('.') && Name(name); }
  // Only type syntax (names, <, >, ',', '.') up to the end.
  bool OnlyTypeTokensLeft() const {
    for (size_t j = i_; j < t_.size(); ++j) {
      if (t_[j].kind == Token::kWord || t_[j].kind == Token::kQuoted) continue;
      if (t_[j].kind == Token::kSymbol && std::string("<>,.").find(t_[j].text[0]) != std::string::npos)
        continue;
      return false;
    }
    return true;
  }

 private:
  const std::vector<Token>& t_;
  size_t i_ = 0;
};

// The statement as shown in an error: on one line, cut short, and never a password an attacker's
// CREATE ROLE might echo back into logs.
std::string Shown(const std::string& stmt) {
  std::string one;
  for (char c : stmt) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && !one.empty() && one.back() == ' ') continue;
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    one += c;
  }
  if (Lower(one).find("password") != std::string::npos) one = one.substr(0, one.find_first_of("'\"")) + "...";
  constexpr size_t kMax = 160;
  if (one.size() > kMax) one = one.substr(0, kMax) + "...";
  return one;
}

// The tokens of one statement: a ';' may only end it.
bool OneStatement(const std::string& stmt, std::vector<Token>* tokens) {
  if (!Tokenize(stmt, tokens) || tokens->empty()) return false;
  if (tokens->back().kind == Token::kSymbol && tokens->back().text == ";") tokens->pop_back();
  for (const Token& t : *tokens) {
    if (t.kind == Token::kSymbol && t.text == ";") return false;
  }
  return !tokens->empty();
}

bool AllowedTableStatement(const std::vector<Token>& tokens, const std::string& keyspace,
                           const std::string& table) {
  Cursor c(tokens);
  std::string ks, name;
  if (c.Keyword("create")) {
    if (c.Keyword("type")) return c.IfNotExists() && c.QualifiedName(&ks, &name) && ks == keyspace;
    if (c.Keyword("table")) {
      return c.IfNotExists() && c.QualifiedName(&ks, &name) && ks == keyspace && name == table;
    }
    (void)c.Keyword("custom");
    if (!c.Keyword("index") || !c.IfNotExists()) return false;
    // The index name is optional: `ON` next, unless the index is itself called "on".
    if (!(c.PeekKeyword("on") && !c.PeekKeyword("on", 1)) && !c.Name(&name)) return false;
    return c.Keyword("on") && c.QualifiedName(&ks, &name) && ks == keyspace && name == table;
  }
  if (!c.Keyword("alter") || !c.Keyword("table") || !c.QualifiedName(&ks, &name) || ks != keyspace ||
      name != table) {
    return false;
  }
  std::string column;
  if (c.Keyword("drop")) {
    return c.Name(&column) && c.Keyword("using") && c.Keyword("timestamp") && c.Number() && c.AtEnd();
  }
  if (c.Keyword("add")) {
    (void)c.Keyword("static");
    return c.Name(&column) && !c.AtEnd() && c.OnlyTypeTokensLeft();
  }
  return false;
}

}  // namespace

Status CheckSchemaStatement(const std::string& stmt, const std::string& keyspace, const std::string& table) {
  std::vector<Token> tokens;
  if (OneStatement(stmt, &tokens) && AllowedTableStatement(tokens, keyspace, table)) return Status::OK();
  return Status::Corruption(
      "schema.cql of " + keyspace + "." + table,
      "holds a statement a live restore does not run: `" + Shown(stmt) +
          "`. Only CREATE TYPE/TABLE/INDEX and ALTER TABLE ... DROP/ADD of the restored table are run, as "
          "Cassandra writes them; the snapshot's schema.cql was probably altered by someone who can write "
          "the "
          "data directories. Nothing was executed");
}

Status CheckKeyspaceStatement(const std::string& stmt, const std::string& keyspace) {
  std::vector<Token> tokens;
  if (OneStatement(stmt, &tokens)) {
    Cursor c(tokens);
    std::string ks;
    if (c.Keyword("create") && c.Keyword("keyspace") && c.IfNotExists() && c.Name(&ks) && ks == keyspace &&
        c.Keyword("with")) {
      return Status::OK();
    }
  }
  return Status::Corruption("keyspace definition of " + keyspace,
                            "is not one CREATE KEYSPACE of it: `" + Shown(stmt) + "`. Nothing was executed");
}

Status CheckRestoreSchema(const Manifest& manifest, const TableEntry& t, const std::string& to_ks,
                          const std::string& to_table) {
  for (const KeyspaceEntry& k : manifest.keyspaces) {
    if (k.name != t.keyspace || k.create_keyspace.empty()) continue;
    CV_RETURN_IF_ERROR(
        CheckKeyspaceStatement(RewriteKeyspaceStatement(k.create_keyspace, t.keyspace, to_ks), to_ks));
  }
  for (const std::string& raw : SplitStatements(t.schema_cql)) {
    std::string stmt = RewriteTableStatement(raw, t.keyspace, t.table, to_ks, to_table);
    CV_RETURN_IF_ERROR(CheckSchemaStatement(stmt, to_ks, to_table));
    CV_RETURN_IF_ERROR(CheckSchemaStatement(StripTableId(stmt), to_ks, to_table));
  }
  return Status::OK();
}

std::pair<std::string, std::string> ApplyRenames(const std::vector<Rename>& renames, const std::string& ks,
                                                 const std::string& table) {
  for (const auto& r : renames) {
    if (r.from_ks == ks && r.from_table == table) return {r.to_ks, r.to_table};
  }
  for (const auto& r : renames) {
    if (r.from_ks == ks && r.from_table.empty()) return {r.to_ks, table};
  }
  return {ks, table};
}

}  // namespace cv::ops
