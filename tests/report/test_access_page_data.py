"""The access page's Python side: the embedded data and its escaping (no browser)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jumpgate.report.access_page import render_access_page

from .access_data import XSS, sample_data


def embedded(page: str) -> dict[str, Any]:
    text = page.split('<script type="application/json" id="jg-data">', 1)[1]
    data: dict[str, Any] = json.loads(text.split("</script>", 1)[0])
    return data


def test_no_data_string_reaches_the_html_unescaped() -> None:
    page = render_access_page(sample_data())
    assert XSS not in page
    assert page.count("</script>") == 2  # the data element's and the code's own
    assert "<script>alert" not in page
    data = embedded(page)
    assert data["people"][3] == [XSS, "</script><script>alert(2)</script>", ["web"]]


def test_compact_form_keeps_order_and_nulls() -> None:
    data = embedded(render_access_page(sample_data()))
    assert [e["name"] for e in data["environments"]] == ["dev", "sandbox", "staging", "prod"]
    assert data["levels"] == ["admin", "poweruser", "readonly", "crm/exports"]
    first = data["paths"][:8]
    strings = data["strings"]
    assert first[:3] == [0, 0, 0]  # alice, crm-prod, admin
    assert [strings[i] for i in first[3:]] == [
        "jumpgate-admin",
        "arn:aws:iam::222222222222:role/jumpgate/jumpgate-admin",
        "2026-12-31",
        "INC-4711 data migration",
        "teams/crm.yaml:41",
    ]
    second = data["paths"][8:16]
    assert second[5] == -1 and second[6] == -1  # no expiry, no reason
    assert len(data["paths"]) == 8 * len(sample_data()["paths"])


def test_unknown_names_in_paths_are_added() -> None:
    data = sample_data()
    data["paths"].append(
        dict(data["paths"][0], person="dave", account="ghost", account_id="999", level="billing")
    )
    out = embedded(render_access_page(data))
    assert out["people"][-1] == ["dave", "dave", []]
    assert out["accounts"][-1] == ["ghost", "999", "prod", ""]
    assert out["levels"][-1] == "billing"


def test_csp_allows_only_the_inline_code() -> None:
    page = render_access_page(sample_data())
    assert "default-src &#x27;none&#x27;" in page
    assert "script-src &#x27;sha256-" in page
    assert "http://" not in page and "https://" not in page


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="'paths' must be a list"):
        render_access_page({"paths": "nope"})
    with pytest.raises(ValueError, match=r"people\[0\] must be an object"):
        render_access_page({"people": ["alice"]})
