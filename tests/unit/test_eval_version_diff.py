"""Section-by-section diff of two policy versions."""

from __future__ import annotations

import pytest

from assistant.evaluation.version_diff import Section, diff_sections, diff_versions, normalise_title, sections_of
from assistant.settings import Settings

pytestmark = pytest.mark.unit


def test_normalise_title_drops_numbering_case_and_punctuation():
    assert normalise_title("5.4 Special Guardianship Orders (SGOs)") == "special guardianship orders sgos"
    assert normalise_title("iii. Placement/Contact with Siblings") == "placement contact with siblings"
    assert normalise_title("2. Defining Permanence") == "defining permanence"


def test_sections_of_cuts_at_starts_and_merges_repeats():
    text = "Title\nA text.\nB head\nB text.\nmore B."
    secs = sections_of(text, [(6, ("A",)), (14, ("B head",)), (30, ("B head",))])
    assert [s.path for s in secs] == [(), ("A",), ("B head",)]
    assert secs[2].text.endswith("more B.")


def test_added_removed_changed_unchanged_and_fuzzy_titles():
    a = [Section(("Intro",), "Same words here.", 0),
         Section(("iii. Twin Track Planning",), "Plans within strictly limited timescales.", 10),
         Section(("Old Only",), "Gone.", 20),
         Section(("Review",), "The plan is set at the four-month review. It is recorded.", 30)]
    b = [Section(("Intro",), "Same   words\nhere.", 0),
         Section(("Twin Track or Parallel Planning",), "Plans within strictly limited timescales.", 10),
         Section(("Review",), "The plan is set at the six-month review. It is recorded.", 30),
         Section(("Brand New",), "New text.", 40)]
    d = diff_sections(a, b, "v1", "v2")
    assert [s.title for s in d.added] == ["Brand New"]
    assert [s.title for s in d.removed] == ["Old Only"]
    assert d.unchanged == ["Intro", "Twin Track or Parallel Planning"]
    assert len(d.changed) == 1
    ch = d.changed[0]
    assert ch.path_b == "Review" and ch.match == "path"
    assert "-The plan is set at the four-month review." in ch.diff
    assert "+The plan is set at the six-month review." in ch.diff
    assert "It is recorded." not in [l[1:] for l in ch.diff.splitlines() if l[:1] in "+-"]


def test_unrelated_titles_do_not_match_fuzzily():
    d = diff_sections([Section(("Delivering Permanence",), "x", 0)], [Section(("Planning for Permanence",), "y", 0)])
    assert len(d.added) == 1 and len(d.removed) == 1 and not d.changed


def test_real_wigan_versions(tmp_path):
    d = diff_versions(Settings(data_dir=tmp_path), "wigan-2021-2025", "wigan-2026-2028")
    added = {" > ".join(s.path) for s in d.added}
    removed = {" > ".join(s.path) for s in d.removed}
    changed = {c.path_b: c for c in d.changed}
    assert "What permanence looks like in Wigan" in added
    assert "Good Practice Guidance > Children with Complex needs" in added
    assert "1. Permanence Policy Statement" in removed
    sgo = changed["Options for Permanence > Special Guardianship Orders"]
    assert "Residence Order" in sgo.diff
    resi = changed["Options for Permanence > Long-Term Residential Care"]
    assert "-This should happen within 6-12 months of a child being placed" in resi.diff
    # "v. Direct Contact with Birth Family ..." matched to "Direct Contact (Family Time) with ..."
    assert any(c.match == "fuzzy" and "Direct Contact" in c.path_b for c in d.changed)
