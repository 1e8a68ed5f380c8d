#!/usr/bin/env python3
"""Refuses braced initializers and lambdas in any full-expression that holds a co_await.

GCC 12 destroys a temporary made by aggregate initialization twice when it lives in
the same full-expression as a co_await: `co_await SendError(ex, {404, "x"})`, a
closure with captures (`co_await Run([s] {...})`), `Len(Agg{...}) + co_await f()`.
The second destructor frees memory again (docs/reliability.md has the measured cases).
Text cannot tell an aggregate from a class with a constructor, so the rule is simple
and a little wider than the bug: in such a statement, name the value first.

    scripts/check_co_await.py [--self-test] [PATH...]   (default: src tests bench)

Prints file:line: message for each finding; exits 1 when there is one.
"""
import os
import re
import sys

KEYWORDS_BEFORE_BLOCK = {"else", "do", "try", "const", "noexcept", "mutable", "override", "final"}
CONTROL_KEYWORDS = {"if", "while", "for", "switch"}


def strip(text, literals=None):
    """The text with comments, string and character literals blanked (offsets kept).

    When `literals` is a list, (offset, content) of each string literal is appended to it.
    """
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + (m.group(1) if m else "") + '"', i)
            j = n if end < 0 else end + len(m.group(1) if m else "") + 2
            if literals is not None:
                literals.append((i, text[i + 3 + len(m.group(1) if m else ""):max(end, i)]))
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator: 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            if literals is not None and c == '"':
                literals.append((i, text[i + 1:j - 1]))
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def word_before(code, i):
    """The identifier that ends just before index i (spaces skipped), and its start."""
    j = i - 1
    while j >= 0 and code[j].isspace():
        j -= 1
    end = j + 1
    while j >= 0 and (code[j].isalnum() or code[j] == "_"):
        j -= 1
    return code[j + 1:end], j + 1


def char_before(code, i):
    j = i - 1
    while j >= 0 and code[j].isspace():
        j -= 1
    return (code[j], j) if j >= 0 else ("", -1)


def opens_block(code, i):
    """True when the '{' at i opens a block (a body), not a braced initializer."""
    c, j = char_before(code, i)
    if c in ("", ";", "{", "}", ")", ":"):
        return True
    if c == ">":  # `-> Task<void> {` opens a body; `std::vector<int>{...}` does not
        return trailing_return_type(code, j)
    word, _ = word_before(code, i)
    return word in KEYWORDS_BEFORE_BLOCK


def trailing_return_type(code, j):
    """True when the '>' at j closes a type that follows '->'."""
    depth = 0
    while j >= 0:
        if code[j] == ">":
            depth += 1
        elif code[j] == "<":
            depth -= 1
            if depth == 0:
                break
        j -= 1
    k = j - 1
    while k >= 0 and (code[k].isalnum() or code[k] in "_: \t\n"):
        k -= 1
    return k >= 1 and code[k - 1:k + 1] == "->"


def statement_start(code, i):
    """Index where the full-expression holding position i begins."""
    depth = 0
    j = i - 1
    while j >= 0:
        c = code[j]
        if c in ")]":
            depth += 1
        elif c in "([":
            if depth == 0:
                word, _ = word_before(code, j)
                if c == "(" and word in CONTROL_KEYWORDS:
                    return j + 1  # the condition is a full-expression of its own
            else:
                depth -= 1
        elif c == "}":
            if depth == 0:
                return j + 1
            depth += 1
        elif c == "{":
            if depth == 0:
                if opens_block(code, j):
                    return j + 1
                # inside a braced initializer: the full-expression goes on outward
            else:
                depth -= 1
        elif c == ";" and depth == 0:
            return j + 1
        j -= 1
    return 0


def statement_end(code, i):
    """Index just past the full-expression holding position i."""
    depth = 0
    j = i
    while j < len(code):
        c = code[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return j
            depth -= 1
        elif c in ";" and depth == 0:
            return j
        j += 1
    return len(code)


def lambda_at(code, i):
    """True when the '[' at i introduces a lambda (not a subscript or attribute)."""
    if code.startswith("[[", i) or (i > 0 and code[i - 1] == "["):
        return False
    c, _ = char_before(code, i)
    if c and (c.isalnum() or c in "_)]"):
        word, _ = word_before(code, i)
        return word in ("return", "co_return", "co_await", "co_yield")
    return True


def findings(code):
    """(offset, message) for each co_await statement that holds a braced initializer or a lambda."""
    out = []
    seen = set()
    for m in re.finditer(r"\bco_await\b", code):
        start, end = statement_start(code, m.start()), statement_end(code, m.end())
        if (start, end) in seen:
            continue
        seen.add((start, end))
        span = code[start:end]
        for k, c in enumerate(span):
            if c == "{":
                out.append((start + k, "braced initializer in a statement with co_await (GCC 12 destroys it twice): "
                                       "name the value first"))
                break
            if c == "[" and lambda_at(code, start + k):
                out.append((start + k, "lambda in a statement with co_await (GCC 12 destroys its captures twice): "
                                       "name the lambda first"))
                break
    return out


def check_file(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        code = strip(f.read())
    return [(code.count("\n", 0, off) + 1, msg) for off, msg in findings(code)]


SELF_TEST_BAD = [
    'co_await SendError(ex, {404, "no such endpoint", nullptr});',
    'if (x) co_return co_await SendError(ex, ApiError{404, "x"});',
    "co_return co_await Take({.a = 1, .s = s});",
    "int r = Len(Agg{1, s}) + co_await f();",
    "int r = co_await f() + Len(Agg{1, s});",
    "co_return co_await Run([s] { return s.size(); });",
    "co_return co_await OnPool(pool, [&] { return 1; });",
    "Status s = co_await ex.Respond(200,\n    {{\"a\", \"b\"}}, body);",
    "auto x = Wrap{co_await f()};",
    "co_await Send(ex, Str(Agg{1, s}));",
]
SELF_TEST_GOOD = [
    "const ApiError e{404, \"x\"};\nco_return co_await SendError(ex, e);",
    "co_return co_await SendError(ex, FromStatus(status));",
    "auto f = [s] { return s.size(); };\nco_return co_await Run(f);",
    "if (p[1] == \"jobs\") co_return co_await RouteJobs(ctx, ex, p);",
    "while (co_await Next()) {\n  Agg a{1, s};\n}",
    "void F() {\n  co_spawn(ex, [&]() -> Task<void> { co_await Serve(); }, detached);\n}",
    "Task<void> F() {\n  Headers h{{\"a\", \"b\"}};\n  co_await Send(h);\n  Agg a{1, s};\n}",
    "for (auto& x : xs) { co_await Send(x[0]); }",
    "co_await Send(\"{ [not code] }\");  // {braces} in a comment",
    "if (auto r = co_await Get(); !r.ok()) {\n  co_return;\n}",
]


def run_self_test(findings_of, bad, good):
    """Checks that each bad snippet has a finding and no good one has; returns the failure count."""
    failed = 0
    for snippet in bad:
        if not findings_of(snippet):
            print("self-test: missed:", snippet.replace("\n", " "))
            failed += 1
    for snippet in good:
        if findings_of(snippet):
            print("self-test: wrongly flagged:", snippet.replace("\n", " "))
            failed += 1
    return failed


def self_test():
    failed = run_self_test(lambda s: findings(strip(s)), SELF_TEST_BAD, SELF_TEST_GOOD)
    total = len(SELF_TEST_BAD) + len(SELF_TEST_GOOD)
    print(f"check_co_await self-test: {total - failed} passed, {failed} failed")
    return failed == 0


def sources(paths):
    for root in paths:
        if os.path.isfile(root):
            yield root
            continue
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                if name.endswith((".cc", ".h", ".cpp", ".hpp")):
                    yield os.path.join(dirpath, name)


def run_check(argv, name, self_test_fn, check_file_fn, skip=lambda path: False):
    """The command line of a checker: [--self-test] [PATH...]; the exit status."""
    args = argv[1:]
    ok = True
    if args and args[0] == "--self-test":
        ok = self_test_fn()
        args = args[1:]
        if not args:
            return 0 if ok else 1
    paths = args or ["src", "tests", "bench"]
    count = 0
    files = 0
    for path in sources(paths):
        if skip(path):
            continue
        files += 1
        for line, msg in check_file_fn(path):
            print(f"{path}:{line}: {msg}")
            count += 1
    print(f"{name}: {files} files, {count} findings")
    return 0 if ok and count == 0 else 1


if __name__ == "__main__":
    sys.exit(run_check(sys.argv, "check_co_await", self_test, check_file))
