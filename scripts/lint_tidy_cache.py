#!/usr/bin/python3
"""Remembers which translation units clang-tidy found clean, so CI does not check them again.

    lint_tidy_cache.py pending CACHE_DIR FILE...   prints the FILEs without a clean result on record
    lint_tidy_cache.py mark CACHE_DIR FILE         records FILE as clean (after clang-tidy passed on it)

A result is keyed by what decides it: clang-tidy's version, .clang-tidy, the file's compile command and
its preprocessed text (so a changed header changes the key of every file that includes it), with the
checkout's own path taken out of both. A merge of
branches whose files were each linted clean therefore costs CI a preprocessor run per file (~0.5 s), not
a clang-tidy run (20-45 s).
"""
import hashlib
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB = os.path.join(ROOT, "build", "release", "compile_commands.json")


def commands():
    with open(DB) as f:
        return {os.path.realpath(os.path.join(e["directory"], e["file"])): e for e in json.load(f)}


def key(entry, tool_version, config):
    argv = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    pre, skip = [], False
    for a in argv:  # the same command, preprocessing only, to stdout
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a not in ("-c",) and not a.startswith(("-MD", "-MF", "-MT", "-MQ")):
            pre.append(a)
    out = subprocess.run(pre + ["-E", "-P"], cwd=entry["directory"], capture_output=True)
    if out.returncode != 0:
        return None  # cannot preprocess: let clang-tidy report it
    # Where the checkout lives must not matter (CI clones into a fresh directory each run): the root's path
    # is replaced wherever it appears, in the command and in the text (__FILE__, CASSVAULT_SOURCE_DIR).
    command = entry.get("command", " ".join(argv)).encode()
    text = out.stdout
    for root in {os.path.realpath(ROOT).encode(), ROOT.encode()}:
        command, text = command.replace(root, b"<root>"), text.replace(root, b"<root>")
    h = hashlib.sha256()
    for part in (tool_version, config, command, text):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def main(argv):
    mode, cache, files = argv[1], argv[2], argv[3:]
    tool = subprocess.run(["clang-tidy", "--version"], capture_output=True).stdout
    with open(os.path.join(ROOT, ".clang-tidy"), "rb") as f:
        config = f.read()
    db = commands()
    os.makedirs(cache, exist_ok=True)
    for f in files:
        entry = db.get(os.path.realpath(os.path.join(ROOT, f)))
        k = key(entry, tool, config) if entry else None
        if mode == "pending":
            if k is None or not os.path.exists(os.path.join(cache, k)):
                print(f)
        elif mode == "mark" and k is not None:
            with open(os.path.join(cache, k), "w") as out:
                out.write(f + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
