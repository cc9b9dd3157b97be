"""Open311 GeoReport v2 answers in both of its formats: JSON, and XML with the element names the specification
gives (a list of <service>, <request> or <error>; a <service_definition> with <attributes>)."""

from __future__ import annotations

import json
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from django.http import HttpResponse

CONTENT = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _element(tag: str, value) -> ElementTree.Element:
    node = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            node.append(_element(key, inner))
    elif isinstance(value, list):
        item = {"attributes": "attribute", "values": "value", "keywords": None}.get(tag)
        if item is None:  # a plain list of words: comma separated, as the specification's examples show
            node.text = ",".join(str(v) for v in value)
        else:
            for inner in value:
                node.append(_element(item, inner))
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)
    return node


def _text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else escape(str(value))


def _flat(tag: str, value: dict) -> str | None:
    """A dict of plain values (a request, an error) written straight as text: a county's answer holds a thousand,
    and building an element for each of their 17 values costs more than reading them. None when a value is not
    plain."""
    parts = [f"<{tag}>"]
    for key, inner in value.items():
        if isinstance(inner, dict | list):
            return None
        parts.append(f"<{key} />" if inner is None else f"<{key}>{_text(inner)}</{key}>")
    parts.append(f"</{tag}>")
    return "".join(parts)


def answer(data, fmt: str, root: str, item: str | None, status: int = 200) -> HttpResponse:
    """`data`: a list of dicts (the root holds one `item` element each) or one dict (the root itself)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        if item:
            text = [_flat(item, entry) or ElementTree.tostring(_element(item, entry), encoding="unicode")
                    for entry in data]
            inner = f"<{root}>{''.join(text)}</{root}>" if text else f"<{root} />"
        else:
            inner = ElementTree.tostring(_element(root, data), encoding="unicode")
        body = ('<?xml version="1.0" encoding="utf-8"?>' + inner).encode()
    response = HttpResponse(body, content_type=CONTENT[fmt], status=status)
    response["Access-Control-Allow-Origin"] = "*"  # public, read by partner systems' pages too
    return response


def errors(fmt: str, code: int, description: str) -> HttpResponse:
    """The specification's error list: [{"code": 404, "description": "..."}] or <errors><error>."""
    return answer([{"code": code, "description": description}], fmt, "errors", "error", status=code)
