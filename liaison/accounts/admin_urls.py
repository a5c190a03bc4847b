from django.urls import path

from liaison.regions import views as placeholder

app_name = "adminwork"
urlpatterns = [
    path("users/", placeholder.work_list, name="users"),
    path("roles/", placeholder.work_list, name="roles"),
    path("audit/", placeholder.work_list, name="audit"),
]
