"""The Jinja2 templates of every email and page, in `app/templates/` (one place).

`email/<name>.txt` and `email/<name>.html` are the two parts of a message; the
text part sets its subject (`{% set subject = "..." %}`). `pages/<name>.html`
extend `pages/base.html`. Every template gets `product_name` and `public_url`
from the settings. HTML is autoescaped; plain text is not (it is no markup).
"""

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


@cache
def environment() -> Environment:
    """Built on first use, then shared: it caches each compiled template."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
