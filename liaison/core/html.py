"""<option> lists built in one pass. A menu of hundreds of regions or stations rendered by a
template loop, or by a form widget's templates, cost more than the page's queries (a widget renders
each option through its own template); these join escaped strings instead. Labels are escaped;
values are escaped too (they are ids or choice values)."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def choice_options(choices, selected=None, *, empty: str | None = None) -> SafeString:
    """`choices`: (value, label) pairs; `selected`: the value (or values) to mark; `empty`: the label
    of a first option with value "" (none when None)."""
    chosen = {str(v) for v in selected} if isinstance(selected, (list, tuple, set, frozenset)) else {str(selected)}
    parts = [f'<option value="">{escape(empty)}</option>'] if empty is not None else []
    parts.extend(
        f'<option value="{escape(value)}"{" selected" if str(value) in chosen else ""}>{escape(label)}</option>'
        for value, label in choices
    )
    return mark_safe("".join(parts))


def region_options(regions, selected: int | None) -> SafeString:
    """The <option>s of a region menu, indented by depth: (id, name, depth) rows."""
    indent = "\u3000"
    parts = [
        f'<option value="{int(pk)}"{" selected" if pk == selected else ""}>{indent * depth}{escape(name)}</option>'
        for pk, name, depth in regions
    ]
    return mark_safe("".join(parts))
