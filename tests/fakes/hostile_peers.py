"""Hostile database servers on loopback, for tests only (never part of the module).

Each peer plays one attack a network the admin does not control can stage, and records everything a client sends it:
- pg-plain-cleartext / pg-plain-md5: PostgreSQL that offers no TLS and asks for the password in clear text, or for an
  md5 answer (salted hash, crackable offline);
- pg-untrusted-cleartext / pg-untrusted-md5: the same, but accepting TLS with a certificate no one trusts (what a
  man-in-the-middle presents), and plain connections too;
- pg-plain-scram: no TLS, asks for scram-sha-256 and refuses the proof (what -AllowPlaintextLogin may answer);
- pg-hostile-text: TLS with a certificate from this run's CA (trusted when the test passes ca.pem), then an error whose
  text carries terminal escape sequences;
- mysql-plain-clear: MySQL without TLS that switches the client to mysql_clear_password;
- mysql-untrusted-clear: MySQL offering TLS with an untrusted certificate, then switching to mysql_clear_password.

Usage: hostile_peers.py --state-dir DIR. Writes DIR/peers.json {"caCertificatePath", "peers": {name: port}} once every
peer listens, and appends one JSON line per connection to DIR/<name>.jsonl:
{"events": [...], "received": "<hex of every byte received, decrypted when TLS was set up>"}.
Runs until killed.
"""
import argparse
import datetime
import hashlib
import ipaddress
import json
import os
import socket
import socketserver
import ssl
import struct
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
PROTOCOL_3 = 196608
# Terminal control a hostile server can put in its error text: set the window title, clear the screen, red text,
# a C1 CSI, a bell.
HOSTILE_TEXT = "\x1b]0;owned\x07\x1b[2Jrole \x1b[31mapp\x1b[0m is locked\x9b1m by policy\x07"


def certificate(subject, issuer_name, issuer_key, key, is_ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if not is_ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def write_pem(path, *items):
    with open(path, "wb") as f:
        for item in items:
            if isinstance(item, x509.Certificate):
                f.write(item.public_bytes(serialization.Encoding.PEM))
            else:
                f.write(item.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


def make_certificates(directory):
    """ca.pem (trusted by tests that pass it), trusted.pem (signed by it), untrusted.pem (self-signed, trusted by no one)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hostile Peers Test CA")])
    ca = certificate(ca_name, ca_name, ca_key, ca_key, True)
    server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    trusted_key = ec.generate_private_key(ec.SECP256R1())
    trusted = certificate(server_name, ca_name, ca_key, trusted_key, False)
    untrusted_key = ec.generate_private_key(ec.SECP256R1())
    untrusted = certificate(server_name, server_name, untrusted_key, untrusted_key, False)
    paths = {name: os.path.join(directory, f"{name}.pem") for name in ("ca", "trusted", "untrusted")}
    write_pem(paths["ca"], ca)
    write_pem(paths["trusted"], trusted, trusted_key)
    write_pem(paths["untrusted"], untrusted, untrusted_key)
    contexts = {}
    for name in ("trusted", "untrusted"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(paths[name])
        contexts[name] = context
    return paths["ca"], contexts


class Recorder:
    """What one connection received, in order; written as one line when the connection ends."""

    def __init__(self, path, lock):
        self.path, self.lock = path, lock
        self.events, self.received = [], bytearray()

    def event(self, text):
        self.events.append(text)

    def flush(self):
        with self.lock, open(self.path, "a") as f:
            f.write(json.dumps({"events": self.events, "received": self.received.hex()}) + "\n")


class Wire:
    """A socket (later maybe TLS-wrapped) whose every received byte goes to the recorder."""

    def __init__(self, sock, recorder):
        self.sock, self.recorder = sock, recorder

    def read(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        self.recorder.received += data
        return data

    def send(self, data):
        self.sock.sendall(data)

    def start_tls(self, context):
        self.sock = context.wrap_socket(self.sock, server_side=True)


# PostgreSQL --------------------------------------------------------------------------------------------------------

def pg_message(kind, payload):
    return kind + struct.pack("!I", len(payload) + 4) + payload


def pg_error(code, message):
    fields = b"SFATAL\0VFATAL\0C" + code.encode() + b"\0M" + message.encode("utf-8") + b"\0\0"
    return pg_message(b"E", fields)


def pg_auth(code, extra=b""):
    return pg_message(b"R", struct.pack("!I", code) + extra)


def pg_serve(wire, recorder, tls_context, auth):
    while True:
        length = struct.unpack("!I", wire.read(4))[0]
        body = wire.read(length - 4)
        code = struct.unpack("!I", body[:4])[0]
        if code == SSL_REQUEST:
            recorder.event("ssl-request")
            if tls_context is None:
                wire.send(b"N")
                continue
            wire.send(b"S")
            wire.start_tls(tls_context)
            recorder.event("tls-established")
            continue
        if code == GSSENC_REQUEST:
            recorder.event("gssenc-request")
            wire.send(b"N")
            continue
        if code != PROTOCOL_3:
            recorder.event(f"unknown-startup {code}")
            return
        parts = body[4:].split(b"\0")
        params = dict(zip(parts[0::2], parts[1::2]))
        recorder.event("startup user=" + params.get(b"user", b"").decode("utf-8", "replace"))
        break
    if auth == "hostile-text":
        wire.send(pg_error("28000", HOSTILE_TEXT))
        return
    if auth == "cleartext":
        wire.send(pg_auth(3))
    elif auth == "md5":
        wire.send(pg_auth(5, b"\x01\x02\x03\x04"))
    elif auth == "scram":
        wire.send(pg_auth(10, b"SCRAM-SHA-256\0\0"))
    while True:
        kind = wire.read(1)
        length = struct.unpack("!I", wire.read(4))[0]
        body = wire.read(length - 4)
        if kind == b"X":
            recorder.event("terminate")
            return
        if kind != b"p":
            recorder.event(f"message {kind!r}")
            return
        if auth in ("cleartext", "md5"):
            recorder.event("password-message")
            wire.send(pg_error("28P01", "password authentication failed"))
            return
        if body.startswith(b"SCRAM-SHA-256\0"):
            recorder.event("sasl-initial-response")
            client_first = body[len(b"SCRAM-SHA-256\0") + 4:].decode()
            client_nonce = client_first.split("r=", 1)[1].split(",")[0]
            wire.send(pg_auth(11, f"r={client_nonce}hostile,s=c2FsdHNhbHRzYWx0,i=4096".encode()))
            continue
        recorder.event("sasl-response")
        wire.send(pg_error("28P01", "password authentication failed"))
        return


# MySQL -------------------------------------------------------------------------------------------------------------

CLIENT_SSL = 0x800
MYSQL_CAPABILITIES = 0x1 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x80000 | 0x100000 | 0x200000


def mysql_packet(sequence, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([sequence]) + payload


def mysql_read(wire):
    header = wire.read(4)
    length = header[0] | header[1] << 8 | header[2] << 16
    return header[3], wire.read(length)


def mysql_greeting(offer_tls):
    capabilities = MYSQL_CAPABILITIES | (CLIENT_SSL if offer_tls else 0)
    nonce = b"hostile-nonce-abcdef"  # 20 bytes: part 1 is 8, part 2 is 12 (+ NUL)
    return (b"\x0a" + b"8.0.36-hostile\0" + struct.pack("<I", 7) + nonce[:8] + b"\0"
            + struct.pack("<H", capabilities & 0xFFFF) + b"\x21" + struct.pack("<H", 2)
            + struct.pack("<H", capabilities >> 16) + bytes([21]) + b"\0" * 10 + nonce[8:] + b"\0"
            + b"mysql_native_password\0")


def mysql_serve(wire, recorder, tls_context):
    wire.send(mysql_packet(0, mysql_greeting(tls_context is not None)))
    sequence, payload = mysql_read(wire)
    if payload == b"\x01":
        recorder.event("mysql-quit")
        return
    capabilities = struct.unpack("<I", payload[:4])[0] if len(payload) >= 4 else 0
    if len(payload) == 32 and capabilities & CLIENT_SSL:
        recorder.event("mysql-ssl-request")
        wire.start_tls(tls_context)
        recorder.event("tls-established")
        sequence, payload = mysql_read(wire)
    recorder.event("mysql-handshake-response")
    wire.send(mysql_packet(sequence + 1, b"\xfemysql_clear_password\0"))
    sequence, payload = mysql_read(wire)
    recorder.event("mysql-auth-switch-response")
    wire.send(mysql_packet(sequence + 1, b"\xff" + struct.pack("<H", 1045) + b"#28000Access denied"))


# Peers -------------------------------------------------------------------------------------------------------------

PEERS = {
    # name: (protocol, TLS certificate or None, authentication)
    "pg-plain-cleartext": ("pg", None, "cleartext"),
    "pg-plain-md5": ("pg", None, "md5"),
    "pg-untrusted-cleartext": ("pg", "untrusted", "cleartext"),
    "pg-untrusted-md5": ("pg", "untrusted", "md5"),
    "pg-plain-scram": ("pg", None, "scram"),
    "pg-hostile-text": ("pg", "trusted", "hostile-text"),
    "mysql-plain-clear": ("mysql", None, "clear"),
    "mysql-untrusted-clear": ("mysql", "untrusted", "clear"),
}


def make_handler(name, protocol, tls_context, auth, path, lock):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            recorder = Recorder(path, lock)
            wire = Wire(self.request, recorder)
            self.request.settimeout(15)
            try:
                if protocol == "pg":
                    pg_serve(wire, recorder, tls_context, auth)
                else:
                    mysql_serve(wire, recorder, tls_context)
            except (EOFError, OSError, ssl.SSLError, struct.error, ValueError, IndexError) as e:
                recorder.event(f"closed ({type(e).__name__})")
            finally:
                recorder.flush()

    return Handler


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    ca_path, contexts = make_certificates(args.state_dir)
    lock = threading.Lock()
    ports = {}
    for name, (protocol, certificate_name, auth) in PEERS.items():
        context = contexts[certificate_name] if certificate_name else None
        server = Server(("127.0.0.1", 0), make_handler(name, protocol, context, auth, os.path.join(args.state_dir, f"{name}.jsonl"), lock))
        ports[name] = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
    temporary = os.path.join(args.state_dir, "peers.json.tmp")
    with open(temporary, "w") as f:
        json.dump({"caCertificatePath": ca_path, "hostileText": HOSTILE_TEXT, "peers": ports}, f)
    os.replace(temporary, os.path.join(args.state_dir, "peers.json"))
    threading.Event().wait()


if __name__ == "__main__":
    main()
