"""The default list of opinion categories every locality sees (issue 3: urban construction,
environment, transport, education, labour and social security, health, agriculture, public security,
civil affairs, market regulation, other). A locality adds its own in the workspace."""

from django.db import migrations

DEFAULTS = [
    ("urban-construction", "城乡建设"),
    ("environment", "生态环境"),
    ("transport", "交通出行"),
    ("education", "教育"),
    ("labour-social-security", "劳动和社会保障"),
    ("health", "医疗卫生"),
    ("agriculture", "农业农村"),
    ("public-security", "社会治安"),
    ("civil-affairs", "民政"),
    ("market-regulation", "市场监管"),
    ("other", "其他"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("opinions", "Category")
    for index, (code, name) in enumerate(DEFAULTS, start=1):
        Category.objects.get_or_create(region=None, code=code, defaults={"name": name, "sort": index * 10})


def unseed(apps, schema_editor):
    Category = apps.get_model("opinions", "Category")
    codes = [code for code, _name in DEFAULTS]
    # Only rows nothing refers to; categories in use stay.
    Opinion = apps.get_model("opinions", "Opinion")
    used = set(Opinion.objects.filter(category__code__in=codes).values_list("category_id", flat=True))
    Category.objects.filter(region=None, code__in=codes).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("opinions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
