"""Parts of the account page that other apps add, without cms importing them.

An app registers a function in its `AppConfig.ready()`; for each person it returns the section
to show, or None when the section does not apply to them. Each function reads with a fixed number
of queries, so the page's cost does not grow with what a person holds.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Section:
    heading: str
    text: str
    links: tuple[Link, ...] = ()


_providers: dict[str, Callable] = {}


def section_register(name: str, provider: Callable) -> None:
    """Add (or replace, by name) a function person -> Section | None."""
    _providers[name] = provider


def sections_for(person) -> list[Section]:
    return [section for provider in _providers.values() if (section := provider(person))]
