#!/usr/bin/python3
"""Worst-case stack depth of the core, from gcc's -fcallgraph-info=su.

Reads the .ci files of a build, adds up frame sizes along every call chain
and prints the deepest chains. Calls into the C library (memcpy, memcmp,
strlen) count 0 bytes: newlib's versions use no frame worth counting on the
M0, and the firmware budget measures the real peak in QEMU anyway.
Recursion makes the bound infinite: it is reported and fails the check.

usage: stack.py DIR [--top N] [--show F1,F2]   (exit 1 on recursion)
"""
import pathlib
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def load(root):
    frames, calls = {}, {}
    for ci in sorted(pathlib.Path(root).rglob("*.ci")):
        for line in ci.read_text().splitlines():
            m = NODE.search(line)
            if m:
                title, label = m.groups()
                size = re.search(r"\\n(\d+) bytes", label)
                if size:
                    frames[title] = int(size.group(1))
                continue
            m = EDGE.search(line)
            if m:
                calls.setdefault(m.group(1), set()).add(m.group(2))
    return frames, calls


def name(title):
    return title.rsplit(":", 1)[-1]


def main():
    root = sys.argv[1]
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 5
    frames, calls = load(root)
    if not frames:
        print(f"stack.py: no .ci files with frame sizes under {root}", file=sys.stderr)
        return 1
    worst, recursive = {}, []

    def depth(fn, path):
        if fn in path:
            recursive.append(" -> ".join(name(f) for f in path + [fn]))
            return 0, []
        if fn in worst:
            return worst[fn]
        best = (0, [])
        for callee in calls.get(fn, ()):
            # A global function defined in another file is titled by its name.
            d = depth(callee, path + [fn])
            if d[0] > best[0]:
                best = d
        result = (frames.get(fn, 0) + best[0], [fn] + best[1])
        worst[fn] = result
        return result

    for fn in frames:
        depth(fn, [])
    public = sorted((v for k, v in worst.items() if ":" not in k),
                    key=lambda v: -v[0])
    for total, chain in public[:top]:
        print(f"  {total:5d}  " + " -> ".join(
            f"{name(f)}({frames.get(f, 0)})" for f in chain))
    # --show f1,f2: the deepest chain from each named entry point.
    if "--show" in sys.argv:
        for fn in sys.argv[sys.argv.index("--show") + 1].split(","):
            if fn in worst:
                print(f"  {worst[fn][0]:5d}  stack peak of {fn}")
    if recursive:
        print("stack.py: recursion, no bound: " + "; ".join(sorted(set(recursive))),
              file=sys.stderr)
        return 1
    print(f"worst call chain: {public[0][0]} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
