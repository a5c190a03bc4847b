from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def work_list(request):
    return render(request, "work_base.html", {})
