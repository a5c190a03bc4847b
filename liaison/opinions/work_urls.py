from django.urls import path

from . import views

app_name = "opinions"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("export.xlsx", views.queue_export, name="export"),
    path("overdue/", views.overdue, name="overdue"),
    path("categories/", views.categories, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
    path("<int:pk>/", views.opinion_detail, name="detail"),
    path("<int:pk>/contact/", views.contact_reveal, name="contact"),
    # one URL per step of the workflow, named after it (opinions:accept, opinions:assign, …)
    *[
        path(f"<int:pk>/{action.replace('_', '-')}/", views.step, {"action": action}, name=action)
        for action in views.STEPS
    ],
]
