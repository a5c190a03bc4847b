import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from liaison.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from liaison.core.models import AuditLog
from liaison.deputies import services
from liaison.deputies.errors import InvalidPhoto, ProbableDuplicatePerson
from liaison.deputies.models import Mandate, Person

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def create(world, **kw):
    data = {"actor": world.users["officer"], "name": "周八", "gender": "m", "region": world.regions["county"]}
    data.update(kw)
    return services.person_create(**data)


def test_person_create_computes_pinyin_and_audits(world):
    person = create(world, name=" 单雄信 ", birth_year=1975, phone="+86 138-0000-0009")
    assert person.name == "单雄信"
    assert (person.name_pinyin, person.name_initials) == ("shanxiongxin", "sxx")
    assert person.phone == "13800000009"
    log = AuditLog.objects.get(model="deputies.Person", object_id=str(person.pk))
    assert log.action == AuditLog.Action.CREATE
    assert log.actor == world.users["officer"]
    assert log.after["name"] == "单雄信"


def test_duplicate_by_name_gender_and_birth_year(world):
    first = create(world, birth_year=1970)
    with pytest.raises(ProbableDuplicatePerson) as exc:
        create(world, birth_year=1970)
    assert exc.value.code == "probable_duplicate"
    assert exc.value.extra["candidates"] == [first.pk]
    assert f"#{first.pk}" in str(exc.value.message)
    # another gender or another year is not a duplicate
    create(world, birth_year=1970, gender="f")
    create(world, birth_year=1971)
    assert Person.objects.filter(name="周八").count() == 3


def test_duplicate_by_name_and_phone(world):
    create(world, phone="13900000000")
    with pytest.raises(ProbableDuplicatePerson):
        create(world, phone="139-0000-0000", gender="f", birth_year=1990)
    # same phone, other name: a family member sharing a phone is not a duplicate
    create(world, name="周九", phone="13900000000")


def test_duplicate_confirmed_is_recorded(world):
    create(world, birth_year=1970)
    second = create(world, birth_year=1970, confirm=True)
    assert second.pk
    assert AuditLog.objects.filter(model="deputies.Person", action="create").count() == 2


def test_no_rule_without_year_or_phone(world):
    create(world)
    create(world)  # only the name in common: not enough to call it a duplicate


def test_update_checks_duplicates_and_renames_mandates(dw):
    w = dw.w
    li = dw.persons["li"]
    with pytest.raises(ProbableDuplicatePerson):
        services.person_update(
            actor=w.users["officer"], person=li, data={"name": "张三丰", "gender": "m", "birth_year": 1970}
        )
    zhang = services.person_update(actor=w.users["officer"], person=dw.persons["zhang"], data={"name": "曾三丰"})
    assert zhang.name_pinyin == "zengsanfeng"
    assert set(Mandate.objects.filter(person=zhang).values_list("name_initials", flat=True)) == {"zsf"}
    log = AuditLog.objects.filter(model="deputies.Person", action="update", object_id=str(zhang.pk)).get()
    assert log.before["name"] == "张三丰"
    assert log.before["name_pinyin"] == "zhangsanfeng" and log.after["name_pinyin"] == "zengsanfeng"
    assert log.after["name"] == "曾三丰"


def test_validation_messages(world):
    with pytest.raises(ValidationFailed) as exc:
        create(world, name="  ")
    assert exc.value.field == "name"
    with pytest.raises(ValidationFailed) as exc:
        create(world, birth_year=2020)
    assert exc.value.field == "birth_year"
    with pytest.raises(ValidationFailed) as exc:
        create(world, phone="call me")
    assert exc.value.field == "phone"
    with pytest.raises(ValidationFailed) as exc:
        create(world, email="not-an-address")
    assert exc.value.field == "email"
    with pytest.raises(ValidationFailed) as exc:
        create(world, gender="x")
    assert exc.value.field == "gender"


def test_scope_of_writes(world):
    with pytest.raises(NotFound):
        create(world, region=world.regions["other_county"])
    with pytest.raises(PermissionDenied):
        create(world, actor=world.users["leader"])
    with pytest.raises(ValidationFailed):
        create(world, region=None)


def test_update_outside_scope_is_not_found(dw):
    with pytest.raises(NotFound):
        services.person_update(actor=dw.w.users["officer"], person=dw.persons["zhao"], data={"party": "群众"})


# --- photos -------------------------------------------------------------------------------------------


def test_real_png_is_accepted_and_renamed(world):
    upload = SimpleUploadedFile("me.html", png_bytes(), content_type="text/html")
    person = create(world, photo=upload)
    assert person.photo.name.endswith(".png")
    assert not person.photo.name.endswith("me.html")
    with person.photo.open("rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("fmt,ext", [("JPEG", "jpg"), ("WEBP", "webp")])
def test_jpeg_and_webp_are_accepted(world, fmt, ext):
    person = create(world, photo=SimpleUploadedFile("p", png_bytes(fmt=fmt)))
    assert person.photo.name.endswith("." + ext)


def test_fake_image_is_refused(world):
    fake = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 10)
    with pytest.raises(InvalidPhoto) as exc, translation.override("en"):
        create(world, photo=fake)
    assert exc.value.field == "photo"
    assert "JPEG, PNG or WebP" in str(exc.value.message)
    assert not Person.objects.exists()


def test_other_image_format_is_refused(world):
    out = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (4, 4)).save(out, format="GIF")
    with pytest.raises(InvalidPhoto) as exc:
        create(world, photo=SimpleUploadedFile("p.gif", out.getvalue()))
    assert "GIF" in str(exc.value.message)


def test_photo_size_limit(world, settings):
    settings.PHOTO_MAX_BYTES = 100
    with pytest.raises(InvalidPhoto) as exc:
        create(world, photo=SimpleUploadedFile("p.png", png_bytes(size=(200, 200))))
    assert "KB" in str(exc.value.message)


def test_photo_replaced_and_removed(world):
    person = create(world, photo=SimpleUploadedFile("a.png", png_bytes()))
    person = services.person_update(
        actor=world.users["officer"], person=person, data={"photo": SimpleUploadedFile("b.jpg", png_bytes(fmt="JPEG"))}
    )
    assert person.photo.name.endswith(".jpg")
    person = services.person_update(actor=world.users["officer"], person=person, data={"photo": False})
    assert not person.photo
