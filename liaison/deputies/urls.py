from django.urls import path

from . import views

app_name = "deputies"
urlpatterns = [
    path("", views.work_list, name="list"),
    path("export.xlsx", views.work_export, name="export"),
    path("import/", views.roster_import, name="import"),
    path("import/template.xlsx", views.roster_template, name="import_template"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("<int:pk>/mandates/new/", views.mandate_create, name="mandate_create"),
    path("mandates/<int:pk>/edit/", views.mandate_edit, name="mandate_edit"),
    path("mandates/<int:pk>/status/", views.mandate_status, name="mandate_status"),
    path("congresses/", views.congress_list, name="congresses"),
    path("congresses/<int:pk>/", views.congress_sources, name="congress_sources"),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/delete/", views.group_delete, name="group_delete"),
    path("groups/<int:pk>/members/", views.member_add, name="member_add"),
    path("memberships/<int:pk>/position/", views.membership_position, name="membership_position"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/delete/", views.household_delete, name="household_delete"),
    path("households/<int:pk>/link/", views.household_link, name="household_link"),
    path("household-links/<int:pk>/remove/", views.household_unlink, name="household_unlink"),
]
