"""The public disclosure of deputies' suggestions and their replies (003 §84), mounted at the site root:
/suggestions/ and /suggestions/<id>/."""

from django.urls import path

from . import public_views as views

app_name = "proposals_public"
urlpatterns = [
    path("suggestions/", views.published_list, name="list"),
    path("suggestions/<int:pk>/", views.published_detail, name="detail"),
]
