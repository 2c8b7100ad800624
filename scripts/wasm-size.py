#!/usr/bin/env python3
"""Where the page's wasm bytes go: the largest functions, the modules they belong to, and the
generic functions compiled more than once, read from a wasm's name section.

Names survive until wasm-opt strips them, so measure a build that keeps them:

    cargo build --profile web --target wasm32-unknown-unknown --bin gossip-lab
    wasm-bindgen --target web --no-typescript --keep-debug --out-dir /tmp/bg --out-name gl \\
        $CARGO_TARGET_DIR/wasm32-unknown-unknown/web/gossip-lab.wasm
    wasm-opt -Oz -g --strip-dwarf --enable-bulk-memory --enable-nontrapping-float-to-int \\
        --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \\
        /tmp/bg/gl_bg.wasm -o /tmp/bg/opt.wasm
    scripts/wasm-size.py /tmp/bg/opt.wasm 20

Each size is the function's bytes of code, and beside it the same body alone deflated (a rough
share of the gzipped page: gzip also finds repeats across functions).
"""
import collections
import re
import sys
import zlib


def leb(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def text(data, at):
    length, at = leb(data, at)
    return data[at:at + length].decode("utf8", "replace"), at + length


ESCAPES = {"$LT$": "<", "$GT$": ">", "$RF$": "&", "$BP$": "*", "$C$": ",", "$SP$": "@"}


def demangle(name):
    """Rust's legacy mangling (`_ZN...E`), without the hash; other names as they are."""
    if not name.startswith("_ZN"):
        return re.sub(r"\[[0-9a-f]{16}\]", "", re.sub(r"::h[0-9a-f]{16}$", "", name))
    at, parts = 3, []
    while at < len(name) and name[at] != "E":
        digits = re.match(r"\d+", name[at:])
        if not digits:
            return name
        at += len(digits.group())
        parts.append(name[at:at + int(digits.group())])
        at += int(digits.group())
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    out = []
    for part in parts:
        part = part[1:] if part.startswith("_$") else part
        part = part.replace("..", "::")
        for escape, char in ESCAPES.items():
            part = part.replace(escape, char)
        out.append(re.sub(r"\$u([0-9a-f]+)\$", lambda m: chr(int(m.group(1), 16)), part))
    return "::".join(out)


def functions(path):
    """(name, bytes, body) of every function with a body."""
    data = open(path, "rb").read()
    at, imported, bodies, names = 8, 0, [], {}
    while at < len(data):
        section = data[at]
        size, at = leb(data, at + 1)
        end, cursor = at + size, at
        if section == 0:
            name, cursor = text(data, cursor)
            while name == "name" and cursor < end:
                kind = data[cursor]
                length, cursor = leb(data, cursor + 1)
                if kind == 1:
                    count, inner = leb(data, cursor)
                    for _ in range(count):
                        index, inner = leb(data, inner)
                        names[index], inner = text(data, inner)
                cursor += length
        elif section == 2:  # imports: functions among them take the first indices
            count, cursor = leb(data, cursor)
            for _ in range(count):
                _, cursor = text(data, cursor)
                _, cursor = text(data, cursor)
                kind = data[cursor]
                cursor += 1
                if kind == 0:
                    _, cursor = leb(data, cursor)
                    imported += 1
                elif kind in (1, 2):
                    cursor += kind == 1
                    flags = data[cursor]
                    _, cursor = leb(data, cursor + 1)
                    if flags & 1:
                        _, cursor = leb(data, cursor)
                elif kind == 3:
                    cursor += 2
                elif kind == 4:
                    _, cursor = leb(data, cursor + 1)
        elif section == 10:
            count, cursor = leb(data, cursor)
            for index in range(count):
                length, start = leb(data, cursor)
                bodies.append((imported + index, start - cursor + length, data[start:start + length]))
                cursor = start + length
        at = end
    return [(demangle(names.get(index, f"func{index}")), size, body) for index, size, body in bodies]


def module(name):
    """The crate, and for this project's crates the module (and the driver or protocol)."""
    path = name.lstrip("<")
    parts = re.findall(r"\w+", path.split(" ")[0])[:3]
    if parts and parts[0] in ("gossip_lab", "gossip_engine", "yew"):
        depth = 3 if len(parts) == 3 and parts[1] in ("ui", "drivers", "protocols") else 2
        return "::".join(parts[:depth])
    return parts[0] if parts else path[:20]


def main():
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
    found = functions(path)
    total = sum(size for _, size, _ in found)
    print(f"{len(found)} functions, {total} bytes of code")
    print(f"\nlargest functions: bytes, deflated")
    for name, size, body in sorted(found, key=lambda f: -f[1])[:top]:
        print(f"{size:8d} {len(zlib.compress(body, 9)):7d}  {name[:140]}")
    sizes, packed = collections.Counter(), collections.Counter()
    copies = collections.defaultdict(list)
    for name, size, body in found:
        sizes[module(name)] += size
        packed[module(name)] += len(zlib.compress(body, 9))
        copies[name].append(size)
    print(f"\nby module: bytes, deflated")
    for name, size in sizes.most_common(top):
        print(f"{size:8d} {packed[name]:7d}  {name}")
    print(f"\ncompiled more than once: bytes, copies")
    repeated = [(name, sizes) for name, sizes in copies.items() if len(sizes) > 1]
    for name, sizes in sorted(repeated, key=lambda item: -sum(item[1]))[:top]:
        print(f"{sum(sizes):8d} {len(sizes):5d}  {name[:140]}")


if __name__ == "__main__":
    main()
