"""Peak RSS of a monitor watching served accounts, without the whole multi benchmark (the same
measurement as its memory part: `_served_set_rss`). Usage:
python -m benchmarks.account_rss [--jobs N] API [API ...]   (API: v2, v3 (ARM) or mkio)"""

from __future__ import annotations

import argparse
import json

from benchmarks.suite import _served_set_rss


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.account_rss")
    parser.add_argument("--jobs", type=int, default=30_000, help="jobs per account")
    parser.add_argument("apis", nargs="+", choices=("v2", "v3", "mkio"))
    args = parser.parse_args()
    print(json.dumps(_served_set_rss(tuple(args.apis), args.jobs)))


if __name__ == "__main__":
    main()
