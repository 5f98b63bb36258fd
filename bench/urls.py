"""The portal's URLs plus the two comparison views of bench/core_api (under /core/ so the same
middleware, CoreApiMiddleware included, runs for all three variants)."""

from django.urls import path

from bench import views
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("core/_bench/bare/<str:size>/products", views.bare_products),
    path("core/_bench/dot/<str:size>/products", views.dot_products),
    path("core/_bench/bare/me", views.bare_me),
    path("core/_bench/dot/me", views.dot_me),
    *portal_urlpatterns,
]
