"""Accessibility checks of a rendered page's HTML, for the unit tests (no browser needed).

    page = A11yPage(response.content.decode())
    assert page.describedby_problems() == []

Only the standard library's HTMLParser: what is checked is what a screen reader gets from the
markup (ids that aria-describedby / aria-labelledby / label[for] name, the heading outline,
radio groups), not how it looks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CONTROLS = {"input", "select", "textarea", "button", "meter", "output", "progress"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parent: Element | None = field(default=None, repr=False)
    children: list[Element] = field(default_factory=list, repr=False)
    text_parts: list[str] = field(default_factory=list, repr=False)  # own and descendants' text, in order

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_parts)).strip()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def find_all(self, tag: str | None = None, **attrs) -> list[Element]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and all(child.attrs.get(k) == v for k, v in attrs.items()):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found


    def one(self, tag: str | None = None, **attrs) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}> in <{self.tag}>"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parent=self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), parent=self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:  # a stray end tag is ignored, as browsers do
            self.current = node.parent

    def handle_data(self, data):
        node = self.current
        while node is not None:
            node.text_parts.append(data)
            node = node.parent


class A11yPage:
    def __init__(self, html: str):
        builder = _TreeBuilder()
        builder.feed(html)
        builder.close()
        self.root = builder.root
        self.elements = self.root.find_all()
        self.by_id: dict[str, Element] = {}
        for element in self.elements:
            if element.attrs.get("id"):
                self.by_id.setdefault(element.attrs["id"], element)

    def find_all(self, tag: str | None = None, **attrs) -> list[Element]:
        return self.root.find_all(tag, **attrs)

    def one(self, tag: str | None = None, **attrs) -> Element:
        return self.root.one(tag, **attrs)

    @property
    def main(self) -> Element:
        return self.one("main")

    @property
    def title(self) -> str:
        return self.one("title").text

    def describedby_problems(self) -> list[str]:
        """Every id named by aria-describedby / aria-labelledby is on the page and has text."""
        problems = []
        for element in self.elements:
            for attr in ("aria-describedby", "aria-labelledby"):
                for ref in (element.attrs.get(attr) or "").split():
                    target = self.by_id.get(ref)
                    name = element.attrs.get("name") or element.attrs.get("id") or element.tag
                    if target is None:
                        problems.append(f"{name}: {attr} names #{ref}, which is not on the page")
                    elif not target.text:
                        problems.append(f"{name}: {attr} names #{ref}, which has no text")
        return problems

    def description_of(self, element: Element) -> str:
        return " ".join(self.by_id[ref].text for ref in (element.attrs.get("aria-describedby") or "").split()
                        if ref in self.by_id)

    def label_problems(self) -> list[str]:
        """Every <label> names a form control: by for= (an existing control) or by wrapping one."""
        problems = []
        for label in self.find_all("label"):
            target = self.by_id.get(label.attrs.get("for") or "")
            wraps = any(child.tag in CONTROLS for child in label.find_all())
            if not ((target is not None and target.tag in CONTROLS) or wraps):
                problems.append(f"<label> {label.text!r} is tied to no control")
        return problems

    def label_text(self, control_id: str) -> str:
        return " ".join(label.text for label in self.find_all("label", **{"for": control_id}))

    def headings(self) -> list[tuple[int, str]]:
        return [(int(e.tag[1]), e.text) for e in self.elements if re.fullmatch(r"h[1-6]", e.tag)]

    def heading_problems(self) -> list[str]:
        """One h1, first; no level skipped on the way down (h2 -> h4)."""
        outline = self.headings()
        problems = []
        h1s = [text for level, text in outline if level == 1]
        if len(h1s) != 1:
            problems.append(f"{len(h1s)} h1 ({h1s})")
        if outline and outline[0][0] != 1:
            problems.append(f"the first heading is h{outline[0][0]} {outline[0][1]!r}")
        for (before, _), (level, text) in zip(outline, outline[1:], strict=False):
            if level > before + 1:
                problems.append(f"h{before} then h{level} {text!r}")
        return problems

    def radios_outside_a_labelled_group(self) -> list[str]:
        """Radio buttons sit in a <fieldset> whose <legend> has text (or a role=radiogroup with a name)."""
        problems = []
        for radio in self.find_all("input", type="radio"):
            grouped = False
            for ancestor in radio.ancestors():
                if ancestor.tag == "fieldset" and any(c.tag == "legend" and c.text for c in ancestor.children):
                    grouped = True
                if ancestor.attrs.get("role") == "radiogroup" and (
                        ancestor.attrs.get("aria-label") or ancestor.attrs.get("aria-labelledby")):
                    grouped = True
            if not grouped:
                problems.append(radio.attrs.get("id") or radio.attrs.get("value") or "radio")
        return problems
