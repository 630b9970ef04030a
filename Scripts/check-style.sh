#!/usr/bin/env bash
# The rules the code keeps, checked: prints each break as file:line and exits 1 if any.
#   1. unsafe pointers and C modules only in the choke-point files (kernels, storage, zlib,
#      POSIX files and processes, MPI);
#   2. every public declaration has a /// doc comment;
#   3. no source file over 400 lines, no function over 60;
#   4. no fatalError outside the one failure path (`fail` in Tensor.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - "$@" <<'PY'
import glob, re, sys

choke_points = [
    "Sources/TensorCore/Kernels/", "Sources/TensorCore/Tensor/Tensor.swift", "Sources/TensorCore/Tensor/TensorStorage.swift",
    "Sources/TensorCore/Serialization/AtomicFile.swift", "Sources/Datasets/Gzip.swift", "Sources/Distributed/ChildProcess.swift",
    "Sources/OpenMPI/",
]
failure_path = "Sources/TensorCore/Tensor/Tensor.swift"
problems = []

def report(path, line, message):
    problems.append(f"{path}:{line}: {message}")

declaration = re.compile(r"\s*(@\w+(\([^)]*\))?\s+)*(public|open)\s")
function = re.compile(r"\s*(@\w+(\([^)]*\))?\s+)*((public|private|fileprivate|internal|open|static|final|override|mutating|nonisolated|convenience|required)\s+)*(func\s|init[?!]?[(<]|subscript[(<]|deinit\b)")
pointer = re.compile(r"\bUnsafe(Mutable)?(Raw)?(Buffer)?Pointer\b|\bwithUnsafe\w*|^\s*import\s+(COpenBLAS|CMPI|CZlib|Glibc)\b")

for path in sorted(glob.glob("Sources/**/*.swift", recursive=True)):
    lines = open(path).read().split("\n")
    if len(lines) > 401:
        report(path, 1, f"{len(lines) - 1} lines; split the file (400 at most)")
    allowed = any(path.startswith(prefix) for prefix in choke_points)
    depth_stack = []   # (start line, brace depth at start) of open functions
    protocol_depth = None   # brace depth inside a public protocol's body
    depth = 0
    in_block_comment = False
    for number, line in enumerate(lines, 1):
        code = line.split("//")[0] if not line.strip().startswith("///") else ""
        if "/*" in code: in_block_comment = True
        if in_block_comment:
            if "*/" in code: in_block_comment = False
            continue
        if not allowed and pointer.search(code):
            report(path, number, "unsafe pointer or C module outside the choke-point files")
        if "fatalError(" in code and path != failure_path:
            report(path, number, "fatalError outside the failure path; call fail(_:_:) or throw")
        if declaration.match(line) and not re.match(r"\s*public\s+import\b", line):
            previous = number - 2
            while previous >= 0 and re.match(r"\s*@\w+", lines[previous]):
                previous -= 1
            if previous < 0 or not lines[previous].strip().startswith("///"):
                report(path, number, f"public declaration without a /// comment: {line.strip()[:80]}")
        strings_removed = re.sub(r'"(\\.|[^"\\])*"', '""', code)
        # Requirements of a public protocol are public without the keyword: document them too.
        if protocol_depth is not None and depth == protocol_depth and re.match(r"\s*(func|var|static|associatedtype|init|mutating)\b", line):
            previous = number - 2
            while previous >= 0 and re.match(r"\s*@\w+", lines[previous]):
                previous -= 1
            if previous < 0 or not lines[previous].strip().startswith("///"):
                report(path, number, f"public protocol requirement without a /// comment: {line.strip()[:80]}")
        if re.match(r"\s*public\s+protocol\b", line) and "{" in strings_removed:
            protocol_depth = depth + 1
        if function.match(line) and "{" in strings_removed and not strings_removed.rstrip().endswith("}"):
            depth_stack.append((number, depth))
        elif function.match(line) and "{" not in strings_removed:
            depth_stack.append((number, depth))
        depth += strings_removed.count("{") - strings_removed.count("}")
        if protocol_depth is not None and depth < protocol_depth:
            protocol_depth = None
        while depth_stack and depth <= depth_stack[-1][1] and number > depth_stack[-1][0] and "}" in strings_removed:
            start, _ = depth_stack.pop()
            if number - start + 1 > 60:
                report(path, start, f"function of {number - start + 1} lines; split it (60 at most)")
for problem in problems:
    print(problem)
print(f"check-style: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
PY
