"""Proof of each finding of the security review (issue 8), one module per item:

- item 1, client addresses chosen by clients: test_item01_client_address_spoofing.py,
  test_item01_client_address_deployments.py, test_item01_image_command.py
- items 2 and 3, parallel guesses and lockout: test_item02_03_password_guessing.py
- item 4, reset links in logs: test_item04_reset_links_not_logged.py
- item 5, CPU exhaustion through resets: test_item05_reset_cpu_exhaustion.py
- item 6, guessing the current password: test_item06_current_password_guessing.py
- item 7, absolute session lifetime: test_item07_session_lifetime.py
- item 8, password change and recovery tokens: test_item08_password_change_spends_recovery.py
- item 9, canonical emails: test_item09_canonical_email.py
- item 10, the local secret file: test_item10_local_secret_file_private.py
- item 11, example and short secrets: test_item11_example_and_short_secrets.py
- item 12, /metrics off the public entry: test_item12_metrics_exposure.py
- item 13, an active superuser remains: test_item13_last_superuser.py,
  test_item13_superuser_races.py
- item 14, CORS credentials: test_item14_cors_credentials.py
- item 15, JWT claims: test_item15_jwt_claims.py
- item 16, reuse within the grace period: test_item16_reuse_within_grace.py
- item 17, secrets in errors and logs: test_item17_no_secrets_in_errors_or_logs.py
- item 18, weak hashing and clear-text SMTP: test_item18_weak_hashing_and_cleartext_smtp.py

test_shipped_deployments_start.py checks that Compose and Kubernetes still
pass the production start-up checks these items added.
"""
