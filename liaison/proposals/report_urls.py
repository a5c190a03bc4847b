from django.urls import path

from . import views_reports

app_name = "proposal_reports"
urlpatterns = [
    path("", views_reports.index, name="index"),
    path("export.xlsx", views_reports.export_xlsx, name="xlsx"),
    path("report.docx", views_reports.export_docx, name="docx"),
    path("units/<int:pk>/", views_reports.unit, name="unit"),
]
