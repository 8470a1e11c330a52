"""Is there a font for Chinese? Official documents are refused without one: weasyprint would still
write a PDF, every character drawn as a box, and an issued document never changes. Asked through
fontconfig's own tool (`fc-list`), so this module stays free of weasyprint (a 0.4 s import) and
the services can check before they issue."""
from __future__ import annotations

import os
import subprocess

from flask_babel import gettext as _

from app.core.errors import DomainError


class CjkFontMissing(DomainError):
    """No font for Chinese is installed: no document can be issued or rendered."""

    status, code = 422, "cjk_font_missing"
    sandbox_passthrough = True  # surfaces unchanged from the BPMN action that issues a document


CJK_FONT_PACKAGE = "fonts-noto-cjk"
_cjk_fonts_found: dict[str | None, str] = {}  # FONTCONFIG_FILE in effect -> a CJK family fontconfig has


def _first_cjk_family() -> str | None:
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                                 timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):  # fc-list absent or failing: no font can be vouched for
        return None
    return next((line.split(",")[0].strip() for line in sorted(listing.splitlines()) if line.strip()), None)


def require_cjk_font() -> str:
    """The name of a font family fontconfig offers for Chinese (`fc-list :lang=zh`, about 20 ms
    the first time, then remembered for the process and fontconfig file). Raises CjkFontMissing
    (422), naming the package to install, when there is none; a miss is not remembered, so fonts
    installed later are found without a restart."""
    config = os.environ.get("FONTCONFIG_FILE")
    if config not in _cjk_fonts_found:
        family = _first_cjk_family()
        if family is None:
            raise CjkFontMissing(_("未安装中文字体，无法出具文书（文字会显示为方框）：请安装 %(package)s"
                                   "（sudo apt-get install %(package)s，或运行 scripts/install-system.sh）",
                                   package=CJK_FONT_PACKAGE))
        _cjk_fonts_found[config] = family
    return _cjk_fonts_found[config]
