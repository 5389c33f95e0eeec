"""Emails from templates, queued on the background jobs: never delaying or failing a request.

`queue_email(jobs=..., settings=..., template="verify_email", recipient=..., link=...)`
renders `email/verify_email.txt` and `.html` (see templates.py) in the job and
sends it; a failed send is logged (background_jobs.py) and counted in
`emails_total{template, outcome="failed"}`.
"""

from typing import Any
from urllib.parse import urlencode

from app.core import metrics
from app.core.background_jobs import BackgroundJobs
from app.core.config import Settings
from app.core.email import OutgoingEmail, send_email
from app.core.templates import environment


def page_link(*, public_url: str, page: str, token: str) -> str:
    """`{public URL}/<page>?token=<token>`: the link of a message, to a page
    that spends the token only when its button is pressed."""
    return f"{public_url.rstrip('/')}/{page}?{urlencode({'token': token})}"


def render_email(
    *, settings: Settings, template: str, recipient: str, **context: Any
) -> OutgoingEmail:
    """Both parts of the message `template`, its subject set by the text part."""
    env = environment()
    variables = {
        "product_name": settings.product_name,
        "public_url": settings.public_url.rstrip("/"),
        "recipient": recipient,
        **context,
    }
    text_template = env.get_template(f"email/{template}.txt")
    text = text_template.render(variables)
    # The text part's `{% set subject = ... %}`, exported by its module.
    subject = str(getattr(text_template.make_module(variables), "subject"))  # noqa: B009
    body_html = env.get_template(f"email/{template}.html").render(variables)
    return OutgoingEmail(recipient=recipient, subject=subject, text=text, html=body_html)


async def deliver(*, settings: Settings, template: str, recipient: str, **context: Any) -> None:
    """Render and send now, counting the outcome; raises what sending raises."""
    try:
        email = render_email(settings=settings, template=template, recipient=recipient, **context)
        await send_email(settings=settings, email=email)
    except Exception:
        metrics.EMAILS.labels(template, "failed").inc()
        raise
    metrics.EMAILS.labels(template, "sent").inc()


def queue_email(
    *, jobs: BackgroundJobs, settings: Settings, template: str, recipient: str, **context: Any
) -> None:
    """Send the message `template` to `recipient` in the background."""
    jobs.spawn(
        deliver(settings=settings, template=template, recipient=recipient, **context),
        name=f"{template} email",
    )
