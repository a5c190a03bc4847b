from django.shortcuts import render


def _placeholder(request, pk=None):
    return render(request, "base.html", {})


deputy_list = deputy_detail = _placeholder
