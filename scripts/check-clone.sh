#!/usr/bin/env bash
# A clone works alone: clone the committed repository into an empty scratch folder (nothing
# beside it: no workspace folders to fall back on), run `make run` there at a small scale
# (demo, sim, the year job with its DRG grouping and payment), then build a wheel, install it
# over the clone's editable install and group the sample cases with the shipped rule pack from
# outside the checkout. The uv of this checkout is reused when there is one (the bootstrap is what
# `make` does without it); the DRG cache starts empty.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scale="${SCALE:-0.01}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

git clone --quiet "$repo" "$scratch/yibao"
cd "$scratch/yibao"
test "$(ls -A "$scratch")" = yibao   # the clone is alone in its folder
if [ -x "$repo/.tools/bin/uv" ] && ! command -v uv >/dev/null; then
  export PATH="$repo/.tools/bin:$PATH"
fi
clean=(env -u YIBAO_DRG_RULES -u YIBAO_DRG_PAYMENT -u YIBAO_DATABASE_URL -u YIBAO_REPORT_DIR
       "XDG_CACHE_HOME=$scratch/cache")

"${clean[@]}" make run SCALE="$scale" 2>&1 | tail -n 8
test -s report/index.html

uv="$(command -v uv || echo .tools/bin/uv)"
"$uv" build --quiet --wheel --out-dir "$scratch/dist"
"$uv" pip install --quiet --python .venv/bin/python --no-deps --reinstall "$scratch"/dist/*.whl
mkdir "$scratch/outside" && cd "$scratch/outside"   # no checkout in the working folder
"${clean[@]}" ../yibao/.venv/bin/python - <<'EOF'
import pathlib
import yibao.payment.shipped as shipped
where = pathlib.Path(shipped.__file__)
assert "site-packages" in where.parts, where
assert (shipped.SHIPPED_RULES / "2_ADRG.txt").is_file()
assert len(list(shipped.SHIPPED_CITIES.glob("*.csv"))) == 27
print(f"wheel: the shipped pack and 27 city tables load from {where.parent}")
EOF
"${clean[@]}" ../yibao/.venv/bin/yibao drg group \
  --input ../yibao/tests/payment/drg/data/opendrg-chs-drg-1.1-sample.csv --out groups.csv 2>&1 | tail -n 4
echo "✓ a clone with nothing beside it runs make run (scale $scale) and its wheel groups cases"
