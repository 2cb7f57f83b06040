// qreload_moc_check: runs moc only when its output could change, and writes the output only when
// it did change (the build step is marked restat, so ninja then skips what depends on it).
//
//   qreload_moc_check <moc> <moc arguments...> <input> -o <output>
//
// moc spends ~0.1 s per file preprocessing the Qt headers the file includes, and a save of a
// component usually changes code moc never reads: a function body, a constant's value, a string.
// The moc step is skipped, leaving <output> as it is, when all of these hold:
//   - the previous run of this step ran moc with the same arguments (<output>.cmd) on a source
//     whose text is kept in <output>.src, and <output> exists;
//   - no file moc read then (its dependency file, <output>.d) and not moc itself is newer than
//     <output>;
//   - the source differs from <output>.src only in literals (strings, characters, numbers) that
//     are not inside parentheses at class or namespace scope. Comments and whitespace are
//     ignored; preprocessor lines must be identical. moc reads literals only as arguments of
//     macros at class or namespace scope (Q_CLASSINFO, Q_PLUGIN_METADATA, Q_DECLARE_INTERFACE,
//     Q_PROPERTY's REVISION, or a user's macro expanding to one), which this rule excludes; a
//     brace whose head is not known to be a function body counts as a scope (the safe side).
// Otherwise moc runs (into <output>.tmp, which replaces <output> only when it differs).
//
// Plain C++17 without Qt: qreload_add_plugin builds it once per build folder.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Token
{
    enum Kind { Directive, Literal, Word, Punct } kind;
    std::string text;
    bool spaceBefore = false; //!< matters between punctuators: `- -x` is not `--x`
    bool safe = false;        //!< a literal moc never reads (see the file comment)
};

bool readFile(const std::string &path, std::string *text)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    *text = buffer.str();
    return true;
}

bool writeFile(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return bool(out);
}

bool isIdentifierChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

/*!
 * The tokens of a C++ source as far as this check needs them. Brackets are tracked to mark each
 * literal safe or not: `scopes` holds, per open bracket, '(' or '[' or 's' (a brace of a class,
 * namespace, enum, extern block or anything unknown) or 'f' (a brace after `)`, a function or
 * lambda body).
 */
std::vector<Token> tokenize(const std::string &s)
{
    std::vector<Token> tokens;
    std::vector<char> brackets;
    bool space = true;
    bool lineStart = true;
    const size_t n = s.size();
    const auto literalIsSafe = [&brackets] {
        for (auto it = brackets.rbegin(); it != brackets.rend(); ++it) {
            if (*it == 'f')
                return true; // inside a function body before any parenthesis at scope level
            if (*it == '(' || *it == '[')
                break;
        }
        // Not in a function body: safe only outside any parenthesis or subscript.
        for (auto it = brackets.rbegin(); it != brackets.rend(); ++it) {
            if (*it == '(' || *it == '[')
                return false;
            if (*it == 's')
                return true;
        }
        return true;
    };
    const auto push = [&](Token::Kind kind, std::string text) {
        Token token{kind, std::move(text), space, false};
        if (kind == Token::Literal)
            token.safe = literalIsSafe();
        tokens.push_back(std::move(token));
        space = false;
        lineStart = false;
    };
    size_t i = 0;
    while (i < n) {
        const char c = s[i];
        if (c == '\n') {
            space = true;
            lineStart = true;
            ++i;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            space = true;
            ++i;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n')
                i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
            space = true;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            const size_t end = s.find("*/", i + 2);
            i = end == std::string::npos ? n : end + 2;
            space = true;
        } else if (c == '#' && lineStart) {
            // A directive, continuation lines included, compared as written.
            size_t end = i;
            while (end < n && s[end] != '\n')
                end += (s[end] == '\\' && end + 1 < n) ? 2 : 1;
            push(Token::Directive, s.substr(i, end - i));
            lineStart = true;
            i = end;
        } else if (c == '"' || c == '\''
                   || ((c == 'R' || c == 'u' || c == 'U' || c == 'L')
                       && (i == 0 || !isIdentifierChar(s[i - 1])) && [&] {
                              size_t j = i;
                              while (j < n
                                     && (s[j] == 'u' || s[j] == '8' || s[j] == 'U' || s[j] == 'L'
                                         || s[j] == 'R'))
                                  ++j;
                              return j < n && j - i <= 3 && (s[j] == '"' || s[j] == '\'');
                          }())) {
            size_t j = i;
            while (s[j] != '"' && s[j] != '\'')
                ++j;
            const bool raw = j > i && s[j - 1] == 'R' && s[j] == '"';
            size_t end;
            if (raw) {
                const size_t open = s.find('(', j);
                const std::string delimiter
                    = ")" + s.substr(j + 1, open == std::string::npos ? 0 : open - j - 1) + "\"";
                const size_t close
                    = open == std::string::npos ? std::string::npos : s.find(delimiter, open);
                end = close == std::string::npos ? n : close + delimiter.size();
            } else {
                const char quote = s[j];
                end = j + 1;
                while (end < n && s[end] != quote && s[end] != '\n')
                    end += s[end] == '\\' ? 2 : 1;
                end = end < n ? end + 1 : n;
            }
            while (end < n && isIdentifierChar(s[end])) // a user-defined literal's suffix
                ++end;
            push(Token::Literal, s.substr(i, end - i));
            i = end;
        } else if (std::isdigit(static_cast<unsigned char>(c))
                   || (c == '.' && i + 1 < n
                       && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            size_t end = i + 1;
            while (end < n) {
                const char d = s[end];
                if (isIdentifierChar(d) || d == '.'
                    || (d == '\'' && end + 1 < n && isIdentifierChar(s[end + 1])))
                    ++end;
                else if ((d == '+' || d == '-') && std::strchr("eEpP", s[end - 1]))
                    ++end;
                else
                    break;
            }
            push(Token::Literal, s.substr(i, end - i));
            i = end;
        } else if (isIdentifierChar(c)) {
            size_t end = i + 1;
            while (end < n && isIdentifierChar(s[end]))
                ++end;
            push(Token::Word, s.substr(i, end - i));
            i = end;
        } else {
            if (c == '(' || c == '[') {
                brackets.push_back(c);
            } else if (c == ')' || c == ']') {
                if (!brackets.empty())
                    brackets.pop_back();
            } else if (c == '{') {
                // A function body follows `)` (with const, noexcept, override, final, mutable,
                // a trailing return type or an initializer list in between); anything else
                // counts as a scope.
                bool function = false;
                for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
                    if (it->kind == Token::Punct && it->text == ")") {
                        function = true;
                        break;
                    }
                    if (it->kind == Token::Word
                        && (it->text == "const" || it->text == "noexcept" || it->text == "override"
                            || it->text == "final" || it->text == "mutable"))
                        continue;
                    break;
                }
                brackets.push_back(function ? 'f' : 's');
            } else if (c == '}') {
                if (!brackets.empty())
                    brackets.pop_back();
            }
            push(Token::Punct, std::string(1, c));
            ++i;
        }
    }
    return tokens;
}

//! True when moc would give the same output for `now` as for `before` (see the file comment).
bool onlySafeLiteralsDiffer(const std::string &before, const std::string &now)
{
    const std::vector<Token> a = tokenize(before);
    const std::vector<Token> b = tokenize(now);
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        const Token &x = a[i];
        const Token &y = b[i];
        if (x.kind != y.kind)
            return false;
        if (x.kind == Token::Punct && i > 0 && a[i - 1].kind == Token::Punct
            && x.spaceBefore != y.spaceBefore)
            return false;
        if (x.text == y.text)
            continue;
        if (x.kind != Token::Literal || !x.safe || !y.safe)
            return false;
        // Still the same kind of literal: a string stays a string, a number a number.
        if (std::isdigit(static_cast<unsigned char>(x.text[0]))
            != std::isdigit(static_cast<unsigned char>(y.text[0])))
            return false;
    }
    return true;
}

//! The files listed in a Makefile-style dependency file (`out: a b \ c`), spaces unescaped.
std::vector<std::string> dependencies(const std::string &depfile)
{
    std::vector<std::string> files;
    std::string text;
    if (!readFile(depfile, &text))
        return files;
    const size_t colon = text.find(": ");
    std::string current;
    for (size_t i = colon == std::string::npos ? 0 : colon + 2; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '#')) {
            current += text[++i];
        } else if (c == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
            ++i;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (!current.empty())
                files.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty())
        files.push_back(current);
    return files;
}

bool mtime(const std::string &path, timespec *time)
{
    struct stat info;
    if (::stat(path.c_str(), &info) != 0)
        return false;
    *time = info.st_mtim;
    return true;
}

bool newer(const timespec &a, const timespec &b)
{
    return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

int runMoc(std::vector<std::string> arguments)
{
    std::vector<char *> argv;
    for (std::string &argument : arguments)
        argv.push_back(argument.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        std::perror("qreload_moc_check: fork");
        return 1;
    }
    if (pid == 0) {
        ::execv(argv[0], argv.data());
        std::fprintf(stderr, "qreload_moc_check: cannot run %s: %s\n", argv[0],
                     std::strerror(errno));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

} // namespace

int main(int argc, char *argv[])
{
    if (argc < 5 || std::strcmp(argv[argc - 2], "-o") != 0) {
        std::fprintf(stderr, "usage: qreload_moc_check <moc> <moc arguments...> <input> -o "
                             "<output>\n");
        return 2;
    }
    const std::string output = argv[argc - 1];
    const std::string input = argv[argc - 3];
    std::vector<std::string> arguments(argv + 1, argv + argc);
    std::string command;
    for (const std::string &argument : arguments)
        command += argument + '\n';

    std::string source;
    if (!readFile(input, &source)) {
        std::fprintf(stderr, "qreload_moc_check: cannot read %s\n", input.c_str());
        return 1;
    }
    std::string previousCommand, previousSource;
    timespec outputTime{}, time{};
    bool skip = mtime(output, &outputTime) && readFile(output + ".cmd", &previousCommand)
                && previousCommand == command && readFile(output + ".src", &previousSource);
    if (skip) {
        std::vector<std::string> inputs = dependencies(output + ".d");
        inputs.push_back(arguments.front()); // moc itself
        for (const std::string &file : inputs) {
            if (file == input)
                continue;
            if (!mtime(file, &time) || newer(time, outputTime)) {
                skip = false; // a header (or moc) changed, or is gone
                break;
            }
        }
    }
    if (skip && (previousSource == source || onlySafeLiteralsDiffer(previousSource, source)))
        return writeFile(output + ".src", source) ? 0 : 1; // moc would write the same

    const std::string temporary = output + ".tmp";
    arguments.back() = temporary;
    const int status = runMoc(arguments);
    if (status != 0) {
        std::remove(temporary.c_str());
        std::remove((output + ".cmd").c_str()); // never skip after a failure
        return status;
    }
    std::string before, after;
    if (readFile(output, &before) && readFile(temporary, &after) && before == after) {
        std::remove(temporary.c_str()); // unchanged: ninja's restat skips what depends on it
    } else if (std::rename(temporary.c_str(), output.c_str()) != 0) {
        std::perror("qreload_moc_check: rename");
        return 1;
    }
    return writeFile(output + ".src", source) && writeFile(output + ".cmd", command) ? 0 : 1;
}
