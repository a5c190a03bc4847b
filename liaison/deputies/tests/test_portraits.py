"""Drawn portraits (demo data): a real image that passes the upload checks, the surname with a CJK
font, the pinyin initials without one."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from liaison.deputies import portraits, services


def test_surname_of_single_and_compound_surnames():
    assert portraits.surname("张三丰") == "张"
    assert portraits.surname("欧阳修") == "欧阳"
    assert portraits.surname(" 诸葛亮") == "诸葛"
    assert portraits.surname("") == ""


def test_portrait_is_a_real_image_that_passes_the_upload_checks():
    data = portraits.portrait_png("张三丰", "zsf", seed=1)
    assert services.photo_validate(SimpleUploadedFile("p.png", data)) == "png"
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == portraits.SIZE and image.format == "PNG"
    assert len(data) < 30_000


def test_same_seed_same_card_other_seeds_other_colours():
    cards = {portraits.portrait_png("李四", "ls", seed=s) for s in range(40)}
    assert portraits.portrait_png("李四", "ls", seed=3) == portraits.portrait_png("李四", "ls", seed=3)
    assert len(cards) > 8


@pytest.mark.skipif(portraits.cjk_font_path() is None, reason="no CJK font on this machine")
def test_with_a_cjk_font_the_surname_is_drawn():
    with_font = portraits.portrait_png("王五", "ww", seed=7)
    without = portraits.portrait_png("王五", "ww", seed=7, font_path=None)
    assert with_font != without


def test_without_a_cjk_font_the_initials_are_drawn(monkeypatch, tmp_path):
    monkeypatch.setenv("CJK_FONT", str(tmp_path / "missing.ttc"))
    data = portraits.portrait_png("王五", "ww", seed=7, font_path=None)
    assert services.photo_validate(SimpleUploadedFile("p.png", data)) == "png"
    assert data != portraits.portrait_png("赵六", "zl", seed=7, font_path=None)  # other letters
