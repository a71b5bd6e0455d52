"""Run the benchmarks: python -m benchmarks.run [--quick] [--only NAME ...]

Writes benchmarks/results/latest.json and latest.md (quick.json / quick.md with --quick) and
prints the Markdown table. --quick shrinks every benchmark so that CI proves they still run;
its figures are not the measurements (see latest.md for those)."""

from __future__ import annotations

import argparse
import compileall
import sys
import time
import traceback

from benchmarks.common import ROOT, Result, write_results
from benchmarks.suite import BENCHMARKS, run_one


def update_readme(table: str) -> None:
    """Put the latest full table between the README's benchmark markers."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{table.strip()}\n{end}{tail}", encoding="utf-8")


def compile_package() -> None:
    """The package's bytecode written first, as `pip install` writes it: a process started
    by a benchmark (the monitor, the emulator) then loads what an installed amstui loads.
    Without it, where PYTHONDONTWRITEBYTECODE is set (this machine sets it), every start
    compiled all of amstui's modules again (~150 ms of each startup figure)."""
    compileall.compile_dir(str(ROOT / "amstui"), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--quick", action="store_true", help="small sizes: proves they run")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), metavar="NAME")
    args = parser.parse_args()
    compile_package()
    started = time.perf_counter()
    results: list[Result] = []
    failed = []
    for name in args.only or BENCHMARKS:
        t0 = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            got = run_one(name, args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        results.extend(got)
        for r in got:
            print(
                f"[bench]   {r.name}: {r.value:.3f} {r.unit} ({time.perf_counter() - t0:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
    # A partial run (--only) never replaces the full results the README shows.
    mode = "quick" if args.quick else ("partial" if args.only else "full")
    json_path, md_path = write_results(results, mode, time.perf_counter() - started)
    if mode == "full" and not args.only and not failed:
        update_readme(md_path.read_text(encoding="utf-8"))
    print(md_path.read_text(encoding="utf-8"))
    print(f"written: {json_path} and {md_path}", file=sys.stderr)
    if failed:
        print(f"[bench] failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
