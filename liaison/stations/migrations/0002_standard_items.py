from django.db import migrations

# 003 §80: 有场地、有标示、有设备、有人员、有制度、有计划、有活动、有资料、有台账、有经费
TEN_HAVES = [
    ("site", "有场地", "固定的活动场所照片或场地使用证明"),
    ("signage", "有标示", "门牌、标识标牌照片"),
    ("equipment", "有设备", "办公、接待设备照片或清单"),
    ("staff", "有人员", "工作人员名单及职责"),
    ("rules", "有制度", "上墙制度照片或制度文件"),
    ("plan", "有计划", "年度工作计划文件"),
    ("activities", "有活动", "活动记录、照片"),
    ("materials", "有资料", "学习资料、代表履职资料目录"),
    ("ledger", "有台账", "民情工作日志、接待台账"),
    ("funds", "有经费", "经费预算或拨付文件"),
]


def add_items(apps, schema_editor):
    StandardItem = apps.get_model("stations", "StandardItem")
    for order, (code, title, description) in enumerate(TEN_HAVES, start=1):
        StandardItem.objects.update_or_create(
            code=code, defaults={"title": title, "description": description, "order": order}
        )


def remove_items(apps, schema_editor):
    apps.get_model("stations", "StandardItem").objects.filter(code__in=[c for c, _, _ in TEN_HAVES]).delete()


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_initial")]
    operations = [migrations.RunPython(add_items, remove_items)]
