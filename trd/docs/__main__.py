"""`python -m trd.docs [--check]`: regenerate the generated parts of the docs pages."""

from __future__ import annotations

import argparse
import sys

from trd.docs import stale_pages, write_pages
from trd.docs.sources import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trd.docs", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when a page is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages()
        for page in stale:
            print(f"{page.relative_to(REPO_ROOT)} is stale: run `make docs`", file=sys.stderr)
        return 1 if stale else 0
    for page in write_pages():
        print(f"updated {page.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
