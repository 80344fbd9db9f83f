"""E-mail goes through a real SMTP server on 127.0.0.1: plain, STARTTLS with login, refused login."""

import smtplib
import ssl

import pytest

from survey.core import mail
from tests.server import self_signed_certificate, smtp_server

MAIL = mail.Mail(to=("lan@example.vn",), subject="Cảnh báo: Đơn vị H-01 chưa đạt",
                 text="Chỉ số hài lòng giảm còn 72,5%.", html="<p>Chỉ số hài lòng giảm còn <b>72,5%</b>.</p>")


def test_plain_smtp_delivers_vietnamese_text_and_html():
    with smtp_server() as (port, inbox):
        sent = mail.send({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SECURITY": "none",
                          "MAIL_SENDER": "Hài Lòng <no-reply@hailong.test>"}, [MAIL])
    assert sent == 1
    sender, recipients, message = inbox.received[0]
    assert (sender, recipients) == ("no-reply@hailong.test", ["lan@example.vn"])
    assert message["Subject"] == "Cảnh báo: Đơn vị H-01 chưa đạt"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Chỉ số hài lòng giảm còn 72,5%."
    assert "<b>72,5%</b>" in message.get_body(("html",)).get_content()


def test_starttls_with_login(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_SECURITY": "starttls", "MAIL_CA_FILE": cert,
              "MAIL_USERNAME": "hailong", "MAIL_PASSWORD": "mật-khẩu"}
    with smtp_server(tls_files=(cert, key), login=("hailong", "mật-khẩu")) as (port, inbox):
        assert mail.send({**config, "MAIL_PORT": port}, [MAIL, MAIL]) == 2
    assert inbox.logins == ["hailong"]
    assert len(inbox.by_recipient("lan@example.vn")) == 2


def test_a_wrong_password_is_refused_and_nothing_is_sent(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    with (smtp_server(tls_files=(cert, key), login=("hailong", "right")) as (port, inbox),
          pytest.raises(smtplib.SMTPAuthenticationError)):
        mail.send({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_CA_FILE": cert,
                   "MAIL_USERNAME": "hailong", "MAIL_PASSWORD": "wrong"}, [MAIL])
    assert inbox.received == []


def test_an_untrusted_certificate_is_refused(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    with (smtp_server(tls_files=(cert, key)) as (port, inbox),
          pytest.raises(ssl.SSLCertVerificationError) as caught):
        mail.send({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}, [MAIL])
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert inbox.received == []


def test_no_server_configured_sends_nothing():
    assert mail.send({"MAIL_SERVER": ""}, []) == 0
    with pytest.raises(mail.MailNotConfigured):
        mail.send({"MAIL_SERVER": ""}, [MAIL])


def test_a_long_vietnamese_subject_keeps_its_spaces_when_folded():
    subject = "[Hài Lòng] Bản tin hằng tuần của Đơn vị Hành chính công, 13/07/2026–19/07/2026 và các đơn vị"
    with smtp_server() as (port, inbox):
        mail.send({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SECURITY": "none"},
                  [mail.Mail(to=("lan@example.vn",), subject=subject, text="x")])
    assert inbox.received[0][2]["Subject"] == subject
