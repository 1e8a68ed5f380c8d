#!/usr/bin/env python3
"""Refuses Redis spoken outside src/state/: state/ is the only module that does.

Outside src/state/, no source may
  - call a RedisClient wire method: `.Command(`, `.BlockingCommand(`, `.Pipeline(`, `.Eval(`,
    `.Receive(` (give the operation a name in state/ instead);
  - hold a string literal naming EVAL or EVALSHA, or inline Lua (`redis.call(`);
  - build a key by hand: a string literal holding `{tcoder}`, or `prefix() +` (state::Keys
    builds every key).
The state module's own integration tests (tests/state_*) inspect the Redis model on purpose and
are exempt, like src/state/ itself. Comments are ignored.

    scripts/check_redis_in_state.py [--self-test] [PATH...]   (default: src tests bench)

Prints file:line: message for each finding; exits 1 when there is one.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_co_await import run_check, run_self_test, strip  # noqa: E402  (one lexer for both checks)

EXEMPT = (re.compile(r"(^|/)src/state/"), re.compile(r"(^|/)tests/state_[^/]*$"))

CODE_RULES = [
    (re.compile(r"(?:\.|->)\s*(Command|BlockingCommand|Pipeline|Eval|Receive)\s*\("),
     "a Redis command sent outside src/state/: name the operation in state/"),
    (re.compile(r"\bprefix\(\)\s*\+"), "a key built by hand: use state::Keys"),
]
LITERAL_RULES = [
    (re.compile(r"\bEVAL(SHA)?\b"), "EVAL/EVALSHA outside src/state/: scripts live in src/state/lua/"),
    (re.compile(r"\bredis\.p?call\s*\("), "inline Lua outside src/state/: scripts live in src/state/lua/"),
    (re.compile(r"\{tcoder\}"), "a key built by hand: use state::Keys"),
]


def findings(text):
    """(offset, message) for each place where `text` speaks Redis itself."""
    literals = []
    code = strip(text, literals)
    out = []
    for pattern, message in CODE_RULES:
        out.extend((m.start(), message) for m in pattern.finditer(code))
    for offset, content in literals:
        out.extend((offset, message) for pattern, message in LITERAL_RULES if pattern.search(content))
    return sorted(out)


def exempt(path):
    normalized = path.replace(os.sep, "/")
    return any(p.search(normalized) for p in EXEMPT)


def check_file(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return [(text.count("\n", 0, off) + 1, msg) for off, msg in findings(text)]


SELF_TEST_BAD = [
    'auto r = redis.Command({"HGET", keys.Job(id), "status"});',
    "auto r = (*redis)->Command(argv);",
    "auto replies = client->Pipeline(cmds);",
    "auto v = redis_->Eval(kScript, {key}, {arg});",
    "auto v = redis_->BlockingCommand(argv, block);",
    "auto msg = sub->Receive(timeout);",
    'Argv argv{"EVALSHA", sha, "1"};',
    'Argv argv{"EVAL", source, "0"};',
    'constexpr auto kLua = R"lua(\nreturn redis.call(\'GET\', KEYS[1])\n)lua";',
    'const std::string queue = "{tcoder}:queue";',
    'const std::string rec = keys_.prefix() + "webhook:" + id;',
]
SELF_TEST_GOOD = [
    "// redis.Command({\"HGET\", k}) once lived here; {tcoder}: prefix() + id",
    'const auto* command = FindCommand("version");',
    "int RunQueueBenchCommand(int argc, char** argv);",
    'std::string s = "evaluate the EVALUATION";',
    "state::JobStore store(redis, keys);\nauto job = store.Get(id);",
    'log::Info("prefix", {{"prefix", keys.prefix()}});',
]


def self_test():
    failed = run_self_test(findings, SELF_TEST_BAD, SELF_TEST_GOOD)
    exemptions = (("src/state/queue.cc", True), ("tests/state_queue_test.cc", True),
                  ("src/control/webhooks.cc", False), ("tests/control_flow_test.cc", False),
                  ("tests/support/state_x.cc", False))
    for path, want in exemptions:
        if exempt(path) != want:
            print("self-test: exemption wrong for", path)
            failed += 1
    total = len(SELF_TEST_BAD) + len(SELF_TEST_GOOD) + len(exemptions)
    print(f"check_redis_in_state self-test: {total - failed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    sys.exit(run_check(sys.argv, "check_redis_in_state", self_test, check_file, skip=exempt))
