import hashlib
import re
import tempfile
from functools import cached_property
from pathlib import Path

import wagtailnhsukfrontend
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

WEB_FONTS = re.compile(r"@font-face\{[^}]*\}")


class NHSUKFrontendFinder(BaseFinder):
    """Serves wagtail-nhsuk-frontend's stylesheet as `cms/nhsuk-frontend.min.css`, without its
    web fonts.

    The stylesheet declares Frutiger from a third-party host. The font is licensed to NHS
    organisations, our Content-Security-Policy allows fonts from this site only, and Chromium
    fetches declared faces early even when our own CSS says Arial. Dropping the @font-face rules
    leaves the design system's own fallback, Arial, with no request leaving the site.
    """

    path = "cms/nhsuk-frontend.min.css"

    @cached_property
    def storage(self):
        css_dir = (
            Path(wagtailnhsukfrontend.__file__).parent / "static" / "wagtailnhsukfrontend" / "css"
        )
        source = next(iter(sorted(css_dir.glob("nhsuk-frontend-*.min.css"))))
        css = WEB_FONTS.sub("", source.read_text(encoding="utf-8"))
        digest = hashlib.sha256(css.encode()).hexdigest()[:12]
        location = Path(tempfile.gettempdir()) / f"cotraining-static-{digest}"
        target = location / self.path
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(css, encoding="utf-8")
        return FileSystemStorage(location=location)

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False):
        if path != self.path:
            return [] if find_all else None
        found = self.storage.path(path)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield self.path, self.storage
