#!/usr/bin/env bash
# Installs the system libraries the package links against, when any is missing:
# OpenBLAS (matrix products), OpenMPI (distributed training), zlib (reading .gz data), and
# Python's venv for the interop tests' tools (Scripts/setup-venv.sh), and curl.
# Safe to run repeatedly; uses sudo only when not root.
set -euo pipefail

# Extra packages for a caller's own needs (the test script adds chromium) come as arguments.
packages=(libopenblas-dev libopenmpi-dev openmpi-bin zlib1g-dev pkg-config python3 python3-venv curl "$@")

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine has no package lists yet: update before the first install.
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v swift >/dev/null || { echo "error: Swift 6 is required (https://www.swift.org/install/)" >&2; exit 1; }
