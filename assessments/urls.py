from django.urls import path

from assessments.reflections import views

app_name = "assessments"

urlpatterns = [
    path("", views.reflections, name="reflections"),
    path("<int:administration_id>/", views.answer, name="answer"),
    path("download/", views.download, name="download"),
    path("erase/", views.erase, name="erase"),
]
