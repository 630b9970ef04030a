#!/usr/bin/env bash
# Builds the DocC catalogs of TensorCore, Events and Structured with the toolchain's `docc`
# (no package plugin needed): symbol graphs from `swift package dump-symbol-graph`, then
# `docc convert` per module into docs/<Module>.doccarchive. With the swift-docc-plugin added by a
# user, `swift package generate-documentation` builds the same catalogs.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tool also extracts the test and example modules, and may fail on the synthesized test
# discovery module: what counts is that the library modules' graphs are there.
swift package dump-symbol-graph --minimum-access-level public > .build-symbolgraph.log 2>&1 || true
graphs=$(find .build -type d -name symbolgraph | head -1)
for module in TensorCore Events Structured; do
    [ -f "$graphs/$module.symbols.json" ] || { tail -20 .build-symbolgraph.log; echo "error: no symbol graph for $module"; exit 1; }
done
rm -f .build-symbolgraph.log
mkdir -p docs
for module in TensorCore Events Structured; do
    selected=$(mktemp -d)
    cp "$graphs/$module".symbols.json "$graphs/$module"@*.symbols.json "$selected/" 2>/dev/null || true
    docc convert "Sources/$module/$module.docc" --additional-symbol-graph-dir "$selected" \
        --fallback-display-name "$module" --fallback-bundle-identifier "org.swifttrain.$module" \
        --output-path "docs/$module.doccarchive" > "docs/$module.log" 2>&1 || { cat "docs/$module.log"; exit 1; }
    echo "$module: $(grep -c "warning:" "docs/$module.log" || true) warnings -> docs/$module.doccarchive"
    rm -rf "$selected"
done
