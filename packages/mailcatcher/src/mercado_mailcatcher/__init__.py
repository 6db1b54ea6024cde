"""An SMTP server that keeps every mail it receives as an ``.eml`` file, and lists them.

Local mode (``mercado up``) runs it on loopback; the ``mercado/mailcatcher`` image runs it
for a shop in containers or on Kubernetes, where ``--http-port`` lists the kept mails.
"""
