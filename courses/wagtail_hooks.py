from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Site


class SiteViewSet(ModelViewSet):
    model = Site
    menu_label = "Delivery sites"
    icon = "site"
    add_to_admin_menu = True
    list_display = ["name", "slug"]
    search_fields = ["name"]
    list_export = ["name", "slug", "description"]
    export_filename = "delivery-sites"


@hooks.register("register_admin_viewset")
def register_site_viewset():
    return SiteViewSet("delivery_sites")
