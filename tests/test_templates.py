"""Rules every template keeps, read off the template files (issue 16, point 9).

A table box (class="table-wrap") scrolls sideways when its table is wider than the screen; a
keyboard can scroll it only if it takes focus, and a screen reader names it only if it has a
name (axe's scrollable-region-focusable). The browser walk sees the boxes that overflow with the
demo's data; this sees every box, whatever the data."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TABLE_WRAP = re.compile(r"<div\b[^>]*\bclass=\"table-wrap\b[^\"]*\"[^>]*>")


def table_wraps():
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in TABLE_WRAP.finditer(text):
            yield path.relative_to(TEMPLATES), match.group(0), text


def test_the_templates_have_table_boxes():
    assert len(list(table_wraps())) >= 20


def test_every_table_box_is_a_named_region_in_the_tab_order():
    wrong = []
    for path, tag, _text in table_wraps():
        if 'role="region"' not in tag or 'tabindex="0"' not in tag or "aria-labelledby=" not in tag:
            wrong.append(f"{path}: {tag}")
    assert not wrong, "\n".join(wrong)


def test_each_table_box_is_named_by_its_tables_caption():
    for path, tag, text in table_wraps():
        name = re.search(r'aria-labelledby="([^"]+)"', tag).group(1)
        after = text[text.index(tag) + len(tag) :]
        assert re.match(rf'\s*<table[^>]*>\s*<caption id="{re.escape(name)}"', after), (path, tag)
