"""Document rendering benchmark: prints numbers, asserts nothing.
`.venv/bin/python bench/documents_bench.py [runs]` — renders every document type `runs` times (20 by
default) inside an app context after one warm-up, and prints pages, median and p95 milliseconds per
page and per document, plus the cold first render of the process (fonts looked up, stylesheet
parsed, templates compiled). The contexts are the realistic ones the tests use."""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLASK_TESTING", "1")

started = time.perf_counter()
from app import create_app
from app.config import TestConfig
from app.documents.render import DOC_TYPES, render_pdf_with_pages
from tests.test_document_render import DOCUMENTS, long_report_context

imported = time.perf_counter() - started


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(runs: int = 20) -> None:
    app = create_app(TestConfig)
    cases = {doc_type: DOCUMENTS[doc_type][0] for doc_type in DOC_TYPES}
    cases["case_report (60 steps)"] = long_report_context()
    with app.app_context():
        t0 = time.perf_counter()
        render_pdf_with_pages("notification", cases["notification"])
        cold = time.perf_counter() - t0
        print(f"imports (flask app, weasyprint): {imported * 1000:.0f} ms; cold first render (notification): {cold * 1000:.0f} ms")
        print(f"warm, {runs} runs each:")
        print(f"{'type':<24}{'pages':>6}{'KB':>7}{'median ms/page':>16}{'p95 ms/page':>13}{'median ms/doc':>15}")
        for name, context in cases.items():
            doc_type = name.split(" ")[0]
            pdf, pages = render_pdf_with_pages(doc_type, context)  # warm-up for this type's template
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                render_pdf_with_pages(doc_type, context)
                times.append(time.perf_counter() - t0)
            per_page = [t / pages * 1000 for t in times]
            print(f"{name:<24}{pages:>6}{len(pdf) / 1024:>7.0f}{statistics.median(per_page):>16.1f}"
                  f"{p95(per_page):>13.1f}{statistics.median(times) * 1000:>15.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
