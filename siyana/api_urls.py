from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from assets.api import views as assets_api
from assets.api.imports import ImportView
from core.api.base import RolePermission
from core.api.tokens import ObtainTokenView
from maintenance.api import views as maintenance_api
from maintenance.api.visits import FieldVisitViewSet
from netmon.api import views as netmon_api
from reports.api import QuarterlyReportView

router = DefaultRouter()
router.register("directorates", assets_api.DirectorateViewSet)
router.register("schools", assets_api.SchoolViewSet)
router.register("locations", assets_api.LocationViewSet)
router.register("manufacturers", assets_api.ManufacturerViewSet)
router.register("asset-models", assets_api.AssetModelViewSet)
router.register("assets", assets_api.AssetViewSet)
router.register("providers", assets_api.ProviderViewSet)
router.register("fiber-sites", assets_api.FiberSiteViewSet)
router.register("circuits", assets_api.CircuitViewSet)
router.register("tags", assets_api.TagViewSet)
router.register("holidays", assets_api.HolidayViewSet)
router.register("targets", netmon_api.TargetViewSet)
router.register("outages", netmon_api.OutageViewSet)
router.register("snmp-credentials", netmon_api.SnmpCredentialViewSet)
router.register("maintenance-windows", netmon_api.MaintenanceWindowViewSet)
router.register("tickets", maintenance_api.TicketViewSet)
router.register("spare-parts", maintenance_api.SparePartViewSet)
router.register("field-visits", FieldVisitViewSet, basename="field-visit")

urlpatterns = [
    # The schema and its docs are for signed-in users and token holders (drf-spectacular serves them to anyone).
    path("schema/", SpectacularAPIView.as_view(permission_classes=[RolePermission]), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[RolePermission]),
        name="api-docs",
    ),
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("import/", ImportView.as_view(), name="api-import"),
    path("reports/quarterly/", QuarterlyReportView.as_view(), name="api-reports-quarterly"),
    path("", include(router.urls)),
]
