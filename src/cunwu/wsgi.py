import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
application = get_wsgi_application()

# jieba's dictionary (a second or two) is loaded before the first request rather than during it: intake cuts every
# request's words (cases/duplicates.py) and legal search its questions.
from cunwu.text import warm  # noqa: E402

warm()
