from django.shortcuts import render


def home(request):
    return render(request, "base.html", {})


deputy_list = deputy_detail = station_list = station_detail = home
