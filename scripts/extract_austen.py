"""Extract a Jane Austen novel from Debian's r-cran-janeaustenr package as plain text.

The shipped corpus `src/seqtherm/data/corpora/pride_and_prejudice.txt` was made with:

    apt-get download r-cran-janeaustenr          # version 1.0.0-1
    dpkg-deb -x r-cran-janeaustenr_1.0.0-1_all.deb deb
    pip install rdata                            # reads R serialisation; not a seqtherm dependency
    python scripts/extract_austen.py deb/usr/lib/R/site-library/janeaustenr \
        prideprejudice src/seqtherm/data/corpora/pride_and_prejudice.txt

With the package installed by apt, pass /usr/lib/R/site-library/janeaustenr instead.
The R package stores each novel as a character vector of lines in an R lazy-load
database: `data/Rdata.rdx` (gzip) maps each name to an (offset, length) range of
`data/Rdata.rdb`, where each object is a 4-byte big-endian length and a zlib stream.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import zlib
from pathlib import Path

NOVELS = ("emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice", "sensesensibility")


def read_novel(package_dir: Path, novel: str) -> str:
    """Return one novel as text, one line of the R vector per line."""
    import rdata

    data = package_dir / "data" / "Rdata"
    index = rdata.conversion.convert(rdata.parser.parse_data(gzip.decompress(data.with_suffix(".rdx").read_bytes())))
    offset, length = (int(v) for v in index["variables"][novel])
    with open(data.with_suffix(".rdb"), "rb") as handle:
        handle.seek(offset)
        record = handle.read(length)
    lines = rdata.conversion.convert(rdata.parser.parse_data(zlib.decompress(record[4:])))
    return "\n".join(str(line) for line in lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="the janeaustenr folder (contains data/Rdata.rdx)")
    parser.add_argument("novel", choices=NOVELS)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    if not (args.package_dir / "data" / "Rdata.rdx").is_file():
        print(f"error: {args.package_dir}/data/Rdata.rdx not found; pass the janeaustenr folder", file=sys.stderr)
        return 2
    args.output.write_text(read_novel(args.package_dir, args.novel), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
