"""Flask-WTF form classes: validation only, never database access."""
