"""The mail catcher as the image runs it: mails sent over SMTP are listed over HTTP."""

from __future__ import annotations

import smtplib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import httpx

from tests.support.processes import accepting, free_port, wait_for


def test_a_sent_mail_is_kept_and_listed_over_http(tmp_path: Path) -> None:
    smtp_port, http_port = free_port(), free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mercado_mailcatcher",
            "--port",
            str(smtp_port),
            "--http-port",
            str(http_port),
            "--dir",
            str(tmp_path / "mail"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: accepting(smtp_port) and accepting(http_port), 30, 0.1, "mail catcher")
        assert httpx.get(f"http://127.0.0.1:{http_port}/messages").json() == []
        mail = EmailMessage()
        mail["From"] = "shop@mercado.local"
        mail["To"] = "ada@example.com"
        mail["Subject"] = "Your order 42 is confirmed"
        mail.set_content("Order 42: 1 x Teapot")
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            smtp.send_message(mail)
        listed = httpx.get(f"http://127.0.0.1:{http_port}/messages").json()
        assert [(m["to"], m["subject"]) for m in listed] == [
            ("ada@example.com", "Your order 42 is confirmed")
        ]
        assert "1 x Teapot" in listed[0]["text"]
        assert listed[0]["number"] == 1
        assert (tmp_path / "mail" / listed[0]["id"]).is_file()
        assert httpx.get(f"http://127.0.0.1:{http_port}/nowhere").status_code == 404
    finally:
        proc.terminate()
        proc.wait(10)
