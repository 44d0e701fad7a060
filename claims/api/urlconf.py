"""The API's URLconf, imported only when a request under /api/ or a reverse() of an
"api:" name first needs it (config.urls mounts it with a lazy resolver): a worker that
serves only pages never imports the API's schemas."""

from claims.api import urls

urlpatterns = urls[0]
