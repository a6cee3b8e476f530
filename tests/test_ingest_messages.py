"""What a clerk reads about a refused file: the right reason, in Chinese, without library text."""

from __future__ import annotations

from pathlib import Path

import pytest
import pikepdf
from docx import Document

from ingest_support import make_workspace
from pipeline.ingest import ingest
from pipeline.readback.safety import OLE_MAGIC
from pipeline.store.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def _only(ws: Workspace, path: Path) -> tuple[str, str]:
    [intake] = ingest(ws, [path], workers=1).files
    return intake.outcome, intake.reason


@pytest.mark.parametrize("user_password", ["secret", ""], ids=["open-password", "owner-password-only"])
def test_an_aes_256_encrypted_pdf_is_called_encrypted_not_damaged(ws: Workspace, tmp_path: Path, user_password: str) -> None:
    path = tmp_path / "加密.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(path, encryption=pikepdf.Encryption(user=user_password, owner="owner-secret", R=6))  # AES-256
    outcome, reason = _only(ws, path)
    if user_password:
        assert outcome == "refused" and "已加密（有密码），请去掉密码后再交" in reason
        assert "损坏" not in reason
    else:  # opens without a password: read as the blank page it is
        assert outcome == "blank"


def test_a_foreign_word_file_with_its_own_document_identifier_is_not_called_our_form(ws: Workspace, tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("学期工作计划")
    document.core_properties.identifier = "urn:uuid:5f0c2d7e-0000-4000-8000-000000000001"
    document.core_properties.subject = "工作计划"
    path = tmp_path / "计划.docx"
    document.save(path)
    outcome, reason = _only(ws, path)
    assert outcome == "refused" and "不是本系统生成的家访表" in reason
    assert "有效的表单编号" not in reason


def test_an_office_file_of_unknown_kind_is_refused_without_a_doubled_word(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "旧文件.docx"
    path.write_bytes(OLE_MAGIC + bytes(1024))
    outcome, reason = _only(ws, path)
    assert outcome == "refused" and "请在 Word 或 WPS 中打开" in reason
    assert "请请" not in reason


def test_a_damaged_pdf_says_so_without_the_parsers_words(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "坏.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nstartxref\n999999\n%%EOF\n")
    outcome, reason = _only(ws, path)
    assert outcome == "refused" and "PDF 文件已损坏" in reason
    assert not any(word in reason for word in ("startxref", "Error", "xref", "trailer")), reason
