#!/usr/bin/env bash
# What tools.gpu_bench needs on a GPU machine that has JAX, PyTorch and NumPy but no Keras, no
# absl-py and no package registry, made here (where pip reaches one) to be carried there.
#
#     PYTHON=/work/main/.venv/bin/python bash tools/gpu_bench_carry.sh
#
# Downloads the wheels into .gpu_wheels/ and unpacks them into .gpu_site/ (a wheel is a zip
# file: unpacked, its packages import from PYTHONPATH), each folder git-ignored by a
# .gitignore of its own. Carry .gpu_site and run, in the repository root there:
#
#     PYTHONPATH=.gpu_site python3 -m tools.gpu_bench
#
# (or, where pip works there: pip install --no-index --no-deps .gpu_wheels/*.whl). The versions
# are those the project's tests ran with. What they are for:
#   keras, absl-py (common.cli's flags); Keras's imports: rich (with markdown-it-py, mdurl,
#   pygments), packaging, optree (Keras's tree utilities without dm-tree; a binary wheel, for
#   CPython $TARGET_PYTHON on x86-64 Linux with glibc >= 2.28), typing-extensions (optree's),
#   namex (Keras's API export). Not needed: h5py (saving only), ml-dtypes and numpy (JAX has them).
set -euo pipefail

PYTHON=${PYTHON:-python3}
TARGET_PYTHON=${TARGET_PYTHON:-3.12}  # the device's python3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHEELS=$ROOT/.gpu_wheels
SITE=$ROOT/.gpu_site

PURE=(keras==3.15.1 absl-py==2.5.1 rich==15.0.0 markdown-it-py==4.3.0 mdurl==0.1.2 pygments==2.21.0
      packaging==26.4 typing-extensions==4.16.0 namex==0.1.0)
BINARY=(optree==0.20.0)

rm -rf "$WHEELS" "$SITE"
mkdir -p "$WHEELS" "$SITE"
"$PYTHON" -m pip download --quiet --no-deps --dest "$WHEELS" "${PURE[@]}"
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --python-version "$TARGET_PYTHON" \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --dest "$WHEELS" "${BINARY[@]}"
for wheel in "$WHEELS"/*.whl; do
    "$PYTHON" -m zipfile -e "$wheel" "$SITE"
done
echo '*' > "$WHEELS/.gitignore"
echo '*' > "$SITE/.gitignore"
echo "$(du -sh "$WHEELS" | cut -f1) of wheels in .gpu_wheels, $(du -sh "$SITE" | cut -f1) unpacked in .gpu_site (carry .gpu_site)"
