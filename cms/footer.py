"""The footer's support links: the information pages (contact, privacy, accessibility,
cookies) that exist and are live, found by slug.

Every page shows the footer, so the links are read from the cache, not the database: a page's
query count does not change with them. Publishing, unpublishing, moving or deleting an
information page forgets the cached links; the next page works them out again (one query).
"""

from django.core.cache import cache
from django.db.models.signals import post_delete
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from cms.models import InformationPage

CACHE_KEY = "cms:footer-links"
CACHE_SECONDS = 600  # a bound on staleness if an app server missed a change (Redis down)

# The footer's pages in the order shown, by slug. setup_demo creates them with starting text.
FOOTER_SLUGS = ["contact-us", "privacy-notice", "accessibility-statement", "cookies"]


def footer_links() -> list[tuple[str, str]]:
    """(title, url) of each footer page that is live, in FOOTER_SLUGS order."""
    links = cache.get(CACHE_KEY)
    if links is None:
        links = _links_from_pages()
        cache.set(CACHE_KEY, links, CACHE_SECONDS)
    return links


def _links_from_pages() -> list[tuple[str, str]]:
    pages = {
        page.slug: page for page in InformationPage.objects.live().filter(slug__in=FOOTER_SLUGS)
    }
    return [(pages[slug].title, pages[slug].url) for slug in FOOTER_SLUGS if slug in pages]


def forget(**kwargs) -> None:
    cache.delete(CACHE_KEY)


def install() -> None:
    """Connect the signals that forget the links (from CmsConfig.ready)."""
    page_published.connect(forget, sender=InformationPage, dispatch_uid="footer-published")
    page_unpublished.connect(forget, sender=InformationPage, dispatch_uid="footer-unpublished")
    post_delete.connect(forget, sender=InformationPage, dispatch_uid="footer-deleted")
    # Sent for pages of every type: a moved or renamed parent changes the pages' addresses too.
    page_slug_changed.connect(forget, dispatch_uid="footer-slug-changed")
    post_page_move.connect(forget, dispatch_uid="footer-moved")
