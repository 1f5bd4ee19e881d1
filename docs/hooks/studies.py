"""A mkdocs hook: the Studies section of the site's navigation and the table of studies on
``studies/index.md`` come from the registry of studies (``infoplane.studies``), so that a new
study needs its module, its page and its test, and no line here or in ``mkdocs.yml``."""

from __future__ import annotations

import posixpath

from infoplane.studies import studies

SECTION = "Studies"
OVERVIEW = "studies/index.md"
MARKER = "<!-- the table of studies, from the registry -->"


def on_config(config):
    """Fill the nav's Studies section: the overview, then one page per registered study."""
    pages = [{name: s.docs} for name, s in studies().items()]
    for entry in config.nav or []:
        if isinstance(entry, dict) and SECTION in entry:
            entry[SECTION] = [{"Overview": OVERVIEW}, *pages]
            return config
    raise ValueError(f"mkdocs.yml's nav has no {SECTION!r} section for the studies")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """On the overview, replace ``MARKER`` by the table: each study's name, linked to its
    page, and what it asks."""
    if page.file.src_uri != OVERVIEW:
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"{OVERVIEW} has no {MARKER!r} for the table of studies")
    here = posixpath.dirname(OVERVIEW)
    rows = [f"| [`{name}`]({posixpath.relpath(s.docs, here)}) | {_cell(s.title)} |"
            for name, s in studies().items()]
    table = "\n".join(["| study | what it asks |", "|---|---|", *rows])
    return markdown.replace(MARKER, table)


def _cell(text: str) -> str:
    """``text`` inside a markdown table's cell: its bars escaped."""
    return text.replace("|", "\\|")
