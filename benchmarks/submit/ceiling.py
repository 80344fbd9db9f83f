"""The framework's ceiling: a Flask app whose POST does nothing but redirect, like a stored survey."""

from flask import Flask, redirect, request

app = Flask(__name__)


@app.post("/c/<token>")
def submit(token: str):
    """Read the form, then answer 303 like the real survey does (no validation, no database)."""
    request.form.get("ticket")
    return redirect(f"/c/{token}/thanks", 303)


@app.get("/healthz")
def health():
    """Answer the start-up probe."""
    return {"status": "ok"}
