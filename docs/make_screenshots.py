"""Make the README's screenshot of the class report from the demo cohort, in headless Chromium (offline).

    make demo
    .venv/bin/python docs/make_screenshots.py            # or --course DIR for another course

writes docs/class_report.png: the class report of s1_jax_fundamentals, as
`make demo` leaves it in reports/s1_jax_fundamentals/report.html.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from grader.course import Course
from grader.report import browser, classreport

DOCS = Path(__file__).resolve().parent
ASSIGNMENT = "s1_jax_fundamentals"


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshot of the demo cohort's class report for the README.")
    parser.add_argument("--course", default=str(DOCS.parent), metavar="DIR", help="default: this checkout")
    course = Course(parser.parse_args().course)
    report = classreport.default_dir(course, ASSIGNMENT) / "report.html"
    if not report.is_file():
        raise SystemExit(f"{report}: not found; run `make demo` first")
    shot = browser.render(report, DOCS / "class_report.png", width=1280, height=2000).screenshot
    print(f"{report} -> {shot}")


if __name__ == "__main__":
    main()
