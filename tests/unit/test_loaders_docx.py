"""The .docx loader on real Word files built from a corpus policy: headings from Word's styles
give the same section paths, lists and tables stay units, gold passages stay verbatim, and bad
files get one clear line."""

from __future__ import annotations

import pytest

from assistant.corpus import load_corpus
from assistant.evaluation.gold import load_gold, locate, normalise_ws
from assistant.settings import REPO_ROOT
from ingest.documents import parse_file
from ingest.loaders import LoadError, load_file
from ingest.structure import parse_structure
from tests.docx_factory import (
    docx_from_parsed,
    empty_docx,
    encrypted_docx_container,
    truncated_docx,
    zip_without_word_document,
)

pytestmark = pytest.mark.unit

CORPUS = REPO_ROOT / "policies_corpus"
DOC_ID = "wigan-2026-2028"  # numbered headings, bullet lists and tab-separated tables


@pytest.fixture(scope="module")
def parsed_txt():
    meta = load_corpus(CORPUS / "manifest.yaml").by_id(DOC_ID)
    return parse_file(meta, CORPUS / meta.file)


@pytest.fixture(scope="module")
def word_file(parsed_txt, tmp_path_factory):
    return docx_from_parsed(parsed_txt, tmp_path_factory.mktemp("docx") / "wigan-permanence-strategy.docx")


@pytest.fixture(scope="module")
def loaded(word_file):
    return load_file(word_file)


def test_headings_come_from_word_styles_and_give_the_same_section_paths(parsed_txt, loaded):
    assert loaded.source_format == "docx"
    expected = [(h.level, h.text) for h in parsed_txt.structure.headings if h.level >= 1]
    assert loaded.headings == expected
    structure = parse_structure(loaded.text, parsed_txt.meta.title, loaded.headings)
    paths_txt = [p for _, p in parsed_txt.sections if p]
    paths_docx = [p for _, p in structure.sections if p]
    assert paths_docx == paths_txt


def test_every_gold_passage_of_the_policy_is_verbatim_in_the_docx_and_in_the_same_section(parsed_txt, loaded):
    structure = parse_structure(loaded.text, parsed_txt.meta.title, loaded.headings)
    passages = [gp.text for it in load_gold(REPO_ROOT / "eval" / "gold") for gp in it.gold_passages
                if gp.document_id == DOC_ID]
    assert len(passages) > 50

    def section_at(sections, offset):
        path = ()
        for s, p in sections:
            if s > offset:
                break
            path = p
        return path

    for text in passages:
        in_docx = locate(loaded.text, text)
        assert in_docx is not None, text[:80]
        in_txt = locate(parsed_txt.text, text)
        assert section_at(structure.sections, in_docx[0]) == section_at(parsed_txt.sections, in_txt[0]), text[:80]


def test_lists_and_tables_stay_units(parsed_txt, loaded):
    structure = parse_structure(loaded.text, parsed_txt.meta.title, loaded.headings)
    kinds = [u.kind for u in structure.units]
    assert "list" in kinds and "table" in kinds
    lists = [u for u in structure.units if u.kind == "list"]
    assert max(len(u.parts) for u in lists) >= 4  # a whole bulleted list is one unit, not loose lines
    # the same units, with the same words, as the policy's text version (Word puts a paragraph
    # break after a list's lead-in where the converted text had a line break)
    for kind in ("list", "table"):
        txt_units = [normalise_ws(parsed_txt.text[u.start:u.end]) for u in parsed_txt.structure.units if u.kind == kind]
        docx_units = [normalise_ws(loaded.text[u.start:u.end]) for u in structure.units if u.kind == kind]
        assert docx_units == txt_units, kind


def test_bad_word_files_get_one_clear_line(tmp_path, word_file):
    cases = {
        "empty.docx": (empty_docx, "Word document has no text"),
        "truncated.docx": (lambda p: truncated_docx(word_file, p), "corrupt .docx"),
        "notword.docx": (zip_without_word_document, "corrupt .docx: not a Word document"),
        "locked.docx": (encrypted_docx_container, "password-protected"),
    }
    for name, (build, reason) in cases.items():
        path = build(tmp_path / name)
        with pytest.raises(LoadError) as exc:
            load_file(path)
        message = str(exc.value)
        assert message.startswith(f"{name}: ") and reason in message and "\n" not in message, message
    text_as_docx = tmp_path / "renamed.docx"
    text_as_docx.write_text("just text, renamed", encoding="utf-8")
    with pytest.raises(LoadError, match="no zip header"):
        load_file(text_as_docx)
