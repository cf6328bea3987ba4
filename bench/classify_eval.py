"""The classifier against the labelled dev set, and its speed.

Reads ../shared/corpus/dev (labels.csv + docs/*.txt), classifies each document
from its text and parsed metadata, and prints attribute and reason accuracy,
the confusion matrix, the leaks (a document labelled 不予公开 — or with 不予公开
among its also_ok answers — proposed 主动公开 without needs_review) and the
milliseconds to classify one 5,000-character document.

Two runs: with the 附注 marking stripped (the marking column's line and any
（此件…） line removed, so the rules must work from content) and with it present.
An answer listed in also_ok counts as right.

    python bench/classify_eval.py [--corpus ../shared/corpus] [--markings stripped|present|both]

Targets: leaks 0; attribute accuracy >= 90% stripped, 100% present; < 20 ms per
5,000 characters. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.classify import Classification, classify  # noqa: E402
from engine.codes import Attribute, Reason  # noqa: E402
from engine.metadata import parse_metadata  # noqa: E402
from engine.text import normalize_text  # noqa: E402

_THIS_DOCUMENT_LINE = re.compile(r"^\s*[（(]此件[^\n]*[）)]\s*$")
Outcome = tuple[Attribute, Reason | None]


@dataclass(frozen=True)
class Labelled:
    file: str
    kind: str
    text: str
    marking: str
    answers: tuple[Outcome, ...]  # the label first, then also_ok

    @property
    def attribute(self) -> Attribute:
        return self.answers[0][0]


def _outcome(attribute_label: str, reason: str) -> Outcome:
    return Attribute.from_label(attribute_label), Reason(reason) if reason else None


def read_labels(dev: Path) -> list[Labelled]:
    documents = []
    with (dev / "labels.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            answers = [_outcome(row["attribute"], row["reason"])]
            for also in filter(None, row["also_ok"].split(";")):
                label, _, reason = also.partition(":")
                answers.append(_outcome(label, reason))
            text = (dev / "docs" / row["file"]).read_text(encoding="utf-8")
            documents.append(
                Labelled(row["file"], row["kind"], text, row["marking"], tuple(answers))
            )
    return documents


def strip_marking(text: str, marking: str) -> str:
    """The text without its 附注 marking line and any （此件…） line."""
    kept = [
        line
        for line in text.split("\n")
        if not (marking and line.strip() == marking) and not _THIS_DOCUMENT_LINE.match(line)
    ]
    return "\n".join(kept)


def _name(outcome: Outcome) -> str:
    attribute, reason = outcome
    return f"{attribute.value}:{reason.value}" if reason else attribute.value


def evaluate(documents: list[Labelled], *, stripped: bool) -> dict[str, float]:
    title = "markings STRIPPED" if stripped else "markings PRESENT"
    print(f"\n=== {title} ===")
    right_attribute = right_outcome = withheld_total = withheld_right = leaks = 0
    confusion: Counter[tuple[Attribute, Attribute]] = Counter()
    for document in documents:
        text = normalize_text(document.text)
        if stripped:
            text = strip_marking(text, document.marking)
        result: Classification = classify(text, parse_metadata(text))
        got: Outcome = (result.attribute, result.reason)
        attribute_ok = any(result.attribute is attribute for attribute, _ in document.answers)
        outcome_ok = got in document.answers
        right_attribute += attribute_ok
        right_outcome += outcome_ok
        if document.attribute is Attribute.WITHHELD:
            withheld_total += 1
            withheld_right += outcome_ok
        confusion[(document.attribute, result.attribute)] += 1
        may_be_withheld = any(attribute is Attribute.WITHHELD for attribute, _ in document.answers)
        leak = (
            may_be_withheld and result.attribute is Attribute.PROACTIVE and not result.needs_review
        )
        leaks += leak
        if not (attribute_ok and outcome_ok) or leak:
            wanted = " or ".join(_name(answer) for answer in document.answers)
            print(
                f"  {'LEAK' if leak else 'miss'} {document.file} [{document.kind}] "
                f"want {wanted}, got {_name(got)} (confidence {result.confidence}"
                f"{', review' if result.needs_review else ''})"
            )
    n = len(documents)
    print(f"attribute accuracy: {right_attribute}/{n} = {right_attribute / n:.1%}")
    print(f"reason accuracy (attribute and reason): {right_outcome}/{n} = {right_outcome / n:.1%}")
    print(f"  of which 不予公开 documents, reason right: {withheld_right}/{withheld_total}")
    print(f"leaks (withheld -> 主动公开 without review): {leaks}")
    print("confusion (rows: label, columns: proposed):")
    order = list(Attribute)
    print("  " + " " * 12 + "".join(f"{a.value:>12}" for a in order))
    for wanted in order:
        cells = "".join(f"{confusion[(wanted, got)]:>12}" for got in order)
        print(f"  {wanted.value:<12}{cells}")
    return {"attribute": right_attribute / n, "outcome": right_outcome / n, "leaks": leaks}


def time_one_document(documents: list[Labelled], size: int = 5000, runs: int = 200) -> float:
    """Median milliseconds to classify one ``size``-character document (metadata parsed once)."""
    text = ""
    while len(text) < size:
        text += "\n".join(normalize_text(d.text) for d in documents)
    text = text[:size]
    metadata = parse_metadata(text)
    classify(text, metadata)  # warm the regex caches
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        classify(text, metadata)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--markings", choices=("stripped", "present", "both"), default="both")
    args = parser.parse_args()
    documents = read_labels(args.corpus / "dev")
    print(f"{len(documents)} labelled documents from {args.corpus / 'dev'}")
    missed = []
    if args.markings in ("stripped", "both"):
        figures = evaluate(documents, stripped=True)
        if figures["leaks"] or figures["attribute"] < 0.9:
            missed.append("stripped: leaks 0 and attribute accuracy >= 90%")
    if args.markings in ("present", "both"):
        figures = evaluate(documents, stripped=False)
        if figures["leaks"] or figures["attribute"] < 1.0:
            missed.append("present: leaks 0 and attribute accuracy 100%")
    ms = time_one_document(documents)
    print(f"\nspeed: {ms:.2f} ms to classify one 5,000-character document (median)")
    if ms >= 20:
        missed.append("under 20 ms per 5,000 characters")
    for target in missed:
        print(f"TARGET MISSED: {target}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
