from django.shortcuts import render


def _placeholder(request, pk=None):
    return render(request, "base.html", {})


station_list = station_detail = _placeholder
