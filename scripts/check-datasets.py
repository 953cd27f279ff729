"""Loads Grove's preference-pair exports with Hugging Face `datasets` and checks that they have
the columns and types TRL's RewardTrainer reads: `chosen` and `rejected` (plain text, or chat
messages with `role` and `content`), with an optional `prompt` of the same kind.

Usage: check-datasets.py PAIRS.jsonl PAIRS_CHAT.jsonl
"""
import sys

from datasets import load_dataset
from datasets.features import Value


def is_string(feature):
    return isinstance(feature, Value) and feature.dtype in ("string", "large_string")


def is_chat(feature):
    # a list of {"role": str, "content": str}; datasets 3 writes it as [dict], 4+ as List(dict)
    inner = feature[0] if isinstance(feature, list) else getattr(feature, "feature", None)
    return isinstance(inner, dict) and set(inner) == {"role", "content"} and all(
        is_string(inner[key]) for key in ("role", "content")
    )


def load(path):
    dataset = load_dataset("json", data_files=path, split="train")
    assert len(dataset) > 0, f"{path}: no pairs"
    for column in ("prompt", "chosen", "rejected", "rank_gap"):
        assert column in dataset.column_names, f"{path}: no column {column}"
    assert dataset.features["rank_gap"].dtype == "int64", dataset.features["rank_gap"]
    assert all(gap >= 1 for gap in dataset["rank_gap"]), f"{path}: a pair without a rank gap"
    return dataset


def main(plain_path, chat_path):
    plain = load(plain_path)
    for column in ("prompt", "chosen", "rejected"):
        assert is_string(plain.features[column]), f"{column}: {plain.features[column]}"
    assert all(c != r for c, r in zip(plain["chosen"], plain["rejected"]))

    chat = load(chat_path)
    for column in ("prompt", "chosen", "rejected"):
        assert is_chat(chat.features[column]), f"{column}: {chat.features[column]}"
    for pair in chat:
        # a conversation starts with the user and alternates; the replies continue it
        roles = [m["role"] for m in pair["prompt"]] + [pair["chosen"][0]["role"]]
        assert roles[0] == "user" and all(a != b for a, b in zip(roles, roles[1:])), roles
        assert pair["chosen"][0]["role"] == pair["rejected"][0]["role"]
    print(f"datasets loads {len(plain)} pairs and {len(chat)} chat pairs with TRL's columns")


if __name__ == "__main__":
    main(*sys.argv[1:])
