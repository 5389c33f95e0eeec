"""Keys derived from the service's secret, one per purpose.

Each purpose gets its own key (an HMAC of its label under the secret), so a
tag made for one purpose (a pagination cursor) can never pass as another (a
refresh token), and none of them can double as a token signature.
"""

import hashlib
import hmac


def derive_key(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()
