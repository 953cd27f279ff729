#!/usr/bin/env bash
# The dataset through the command line, as an ML engineer uses it: simulated annotators fill a
# database, `grove export` writes every format, `grove import` reads the trees into an empty
# database (dry run first) and a second export matches the first, as does an export after
# importing the flat messages file (the releases' other form); then Hugging Face `datasets`
# loads the preference pairs with the columns TRL's reward trainer reads.
# Usage: check-dataset-files.sh BASE_URL (a Postgres server URL; two databases are made on it)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
base=$1
grove=./target/debug/grove
out=target/dataset-check
rm -rf "$out" && mkdir -p "$out"
for db in grove_dataset_a grove_dataset_b grove_dataset_c; do
  psql -q "$base" -c "drop database if exists $db" -c "create database $db" 2>/dev/null
done
a=${base%/*}/grove_dataset_a
b=${base%/*}/grove_dataset_b
c=${base%/*}/grove_dataset_c
export GROVE_EXPORT_SECRET=dataset-check

DATABASE_URL=$a $grove simulate --trees 6 --users 8 --spammers 0 --seed 3 >/dev/null
for format in trees messages pairs pairs_chat sft; do
  DATABASE_URL=$a $grove export --format "$format" --out "$out/$format.jsonl"
done
DATABASE_URL=$a $grove export --format trees --out "$out/first.jsonl.gz"

DATABASE_URL=$b $grove import "$out/first.jsonl.gz" --state ready_for_export --dry-run
[ "$(psql -tAc 'select count(*) from message' "$b")" = 0 ] || die "a dry run wrote messages"
DATABASE_URL=$b $grove import "$out/first.jsonl.gz" --state ready_for_export --origin round-trip
DATABASE_URL=$b $grove export --format trees --include-synthetic --out "$out/second.jsonl.gz"
DATABASE_URL=$b $grove check >/dev/null || die "the imported database breaks an invariant"
# the same trees from the flat messages file, its form found by itself
DATABASE_URL=$c $grove import "$out/messages.jsonl" --state ready_for_export --origin round-trip
DATABASE_URL=$c $grove export --format trees --include-synthetic --out "$out/from-messages.jsonl.gz"
DATABASE_URL=$c $grove check >/dev/null || die "the database imported from messages breaks an invariant"
for second in second from-messages; do
python3 - "$out/first.jsonl.gz" "$out/$second.jsonl.gz" <<'PY'
import gzip, json, sys

def load(path):
    trees = [json.loads(line) for line in gzip.open(path, "rt")]
    for tree in trees:
        tree.pop("origin", None)  # an import records where its trees came from
    return sorted(trees, key=lambda t: t["message_tree_id"])

def authors(node, found):
    found.append(node.get("user_id"))
    node["user_id"] = None
    for reply in node.get("replies") or []:
        authors(reply, found)
    return found

first, second = load(sys.argv[1]), load(sys.argv[2])
assert first, "the first export is empty"
# pseudonyms differ between exports (documented); the same author must stay one author
before = [a for t in first for a in authors(t["prompt"], [])]
after = [a for t in second for a in authors(t["prompt"], [])]
pairs = set(zip(before, after))
assert len(pairs) == len(set(before)) == len(set(after)), "authors were merged or split"
assert first == second, "the round trip changed the trees"
print(f"round trip ({sys.argv[2]}): {len(first)} trees identical but for pseudonyms")
PY
done

venv=target/py-datasets
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import datasets' 2>/dev/null; then
  say "installing Hugging Face datasets into $venv (once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet datasets
fi
HF_DATASETS_CACHE="$PWD/$out/hf-cache" HF_HUB_OFFLINE=1 \
  "$venv/bin/python" scripts/check-datasets.py "$out/pairs.jsonl" "$out/pairs_chat.jsonl" 2>/dev/null
