#!/usr/bin/env python3
"""Writes WordPress's configuration for scripts/wordpress-fixture: config.php.in beside this
file, with the database's settings (quoted for a PHP string) and fresh secret keys.

    write-config.py OUT DB_NAME DB_USER DB_PASSWORD DB_HOST:PORT
"""
import os
import secrets
import sys

out, name, user, password, host = sys.argv[1:]
q = lambda s: s.replace("\\", "\\\\").replace("'", "\\'")  # noqa: E731
keys = "".join(f"define('{k}', '{secrets.token_hex(32)}');\n" for k in (
    "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT", "NONCE_SALT"))
template = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.php.in")).read()
values = {"DB_NAME": q(name), "DB_USER": q(user), "DB_PASSWORD": q(password), "DB_HOST": q(host), "KEYS": keys}
text = template.rstrip("\n")
for mark, value in values.items():
    text = text.replace("{{" + mark + "}}", value)
open(out, "w").write(text)
