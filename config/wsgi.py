import os

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# what a request freed goes back to the system, at most once a second (claims/serving.py)
from claims.serving import HeapTrimmer  # noqa: E402 - needs the settings loaded above

request_finished.connect(HeapTrimmer(interval=1.0), weak=False, dispatch_uid="claims_heap_trim")
