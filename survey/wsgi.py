"""The WSGI entry point for gunicorn: `gunicorn -c /etc/hailong/gunicorn.conf.py survey.wsgi:app`.

Settings come from the environment (FLASK_*, DATABASE_URL, DATABASE_REPLICA_URL); see docs/deploy.md.
`gunicorn 'survey:create_app()'` serves the same app.
"""

from survey import create_app, freeze_loaded

app = create_app()
freeze_loaded()
