"""PDF writer: WeasyPrint over the same HTML (imported only when a PDF is asked for: ~1.5 s).

WeasyPrint writes identical bytes for identical HTML and adds no dates unless the HTML asks for
them, so a rerun with the same seed reproduces every PDF byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

#: fontTools stamps the font subsets it embeds with the time unless this is set: fixing it keeps
#: reruns byte-identical (2026-01-01T00:00:00Z).
FIXED_EPOCH = "1767225600"


def write_pdf(html: str, base_dir: Path, target: Path) -> None:
    """Lay out ``html`` (relative URLs resolved against ``base_dir``) into ``target``."""
    import logging

    from weasyprint import HTML  # type: ignore[import-untyped]

    # fontTools subsets our one font well; WeasyPrint's advice to install HarfBuzz is noise here
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    os.environ.setdefault("SOURCE_DATE_EPOCH", FIXED_EPOCH)

    HTML(string=html, base_url=str(base_dir) + "/").write_pdf(target)
