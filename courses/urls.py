from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("sites/", views.site_list, name="site_list"),
    path("sites/<slug:slug>/", views.site_detail, name="site_detail"),
]
