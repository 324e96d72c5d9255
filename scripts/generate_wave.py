"""Write a generated, fictitious survey wave with N respondents (for the benchmark's scale test).

    .venv/bin/python scripts/generate_wave.py --respondents 100 --output /tmp/wave-100

The package is the fictitious fixture wave (tests/fixtures/fictitious-wave) with its registry,
roster and answers replaced by invented ones: N invented ISCMs that all answered, plus a few that
did not, with answers drawn from a seeded random generator (the same N gives the same package).
It is invented test data, says so in its README and in waves.csv, and is never committed.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
from pathlib import Path

from grcp9 import paths

FIXTURE = paths.REPO_ROOT / "tests" / "fixtures" / "fictitious-wave"
SECTION = "fictitious-submissions"
NON_RESPONDENTS = 5


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def generate(respondents: int, output: Path, seed: int = 2026) -> Path:
    rng = random.Random(seed)
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(FIXTURE, output)
    wave = _rows(FIXTURE / "waves.csv")[1][0]["wave"]
    ids = [f"gen-{n:03d}" for n in range(1, respondents + NON_RESPONDENTS + 1)]
    header, _ = _rows(FIXTURE / "iscm_registry.csv")
    _write(output / "iscm_registry.csv", header, [
        {"iscm_id": iscm_id, "short_name": f"GEN {n:03d}", "name": f"Generated Process {n:03d} (fictitious)", "q1_position": str(n),
         "source_section": SECTION, "source_quote": f"generated submission {n:03d}"} for n, iscm_id in enumerate(ids, start=1)])
    for name in ("iscm_aliases", "iscm_statements"):
        header, _ = _rows(FIXTURE / f"{name}.csv")
        _write(output / f"{name}.csv", header, [])
    header, _ = _rows(FIXTURE / "survey_roster.csv")
    _write(output / "survey_roster.csv", header, [
        {"wave": wave, "iscm_id": iscm_id, "responded": "yes" if n <= respondents else "no", "source_section": SECTION,
         "source_quote": "generated list of submissions", "coding_note": ""} for n, iscm_id in enumerate(ids, start=1)])
    options = {q: [o["option"] for o in _rows(FIXTURE / "question_options.csv")[1] if o["question"] == q] for q in ("q7", "q10")}
    responses, formats = [], []
    for n, iscm_id in enumerate(ids[:respondents], start=1):
        quote = f"generated submission {n:03d}"
        q6 = rng.choice(["yes", "yes", "no"])
        q9 = rng.choice(["yes", "yes", "undecided", "no"])
        responses.append({"wave": wave, "iscm_id": iscm_id, "q6_contributed": q6, "q6_section": SECTION, "q6_quote": quote,
                          "q7_formats": "reported" if q6 == "yes" else "not_applicable", "q9_imrf_plan": q9, "q9_section": SECTION,
                          "q9_quote": quote, "q10_formats": "reported" if q9 == "yes" else "not_applicable", "coding_note": ""})
        for question, gate in (("q7", q6), ("q10", q9)):
            if gate == "yes":
                for option in sorted(rng.sample(options[question], rng.randint(1, 3)), key=options[question].index):
                    formats.append({"wave": wave, "iscm_id": iscm_id, "question": question, "option": option, "report_wording": "",
                                    "source_section": SECTION, "source_quote": quote, "coding_note": ""})
    _write(output / "responses.csv", _rows(FIXTURE / "responses.csv")[0], responses)
    _write(output / "response_formats.csv", _rows(FIXTURE / "response_formats.csv")[0], formats)
    (output / "README.md").write_text(
        f"# Generated fictitious test data: {respondents} invented respondents (not real answers)\n\n"
        "Written by `scripts/generate_wave.py` for the benchmark's scale test. Every ISCM and every answer here is\n"
        "invented. Never copy it into `data/`.\n", encoding="utf-8")
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True)
    arguments = parser.parse_args()
    print(generate(arguments.respondents, arguments.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
