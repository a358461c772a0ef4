"""Tests for lmkit.data.corpora against a real HTTP server on 127.0.0.1 (never the internet)."""
import hashlib
import http.server
import socket
import threading

import pytest

from lmkit.data import corpora

PAYLOAD = "to be, or not to be: that is the question.\n".encode() * 50


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/corpus.txt":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


SHA = hashlib.sha256(PAYLOAD).hexdigest()


def test_download_verifies_checksum(server, tmp_path):
    _, base = server
    path = corpora.download(f"{base}/corpus.txt", tmp_path / "c.txt", sha256=SHA, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert list(tmp_path.iterdir()) == [path]  # no temp file left


def test_checksum_mismatch_leaves_no_file(server, tmp_path):
    _, base = server
    with pytest.raises(corpora.ChecksumError, match=f"expected sha256 {'0' * 64}, got {SHA}"):
        corpora.download(f"{base}/corpus.txt", tmp_path / "c.txt", sha256="0" * 64, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_http_404_is_download_error(server, tmp_path):
    _, base = server
    with pytest.raises(corpora.DownloadError, match="404"):
        corpora.download(f"{base}/missing.txt", tmp_path / "c.txt", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_host_gives_helpful_message(tmp_path):
    with socket.socket() as s:  # grab a free port, then close it so nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/corpus.txt"
    with pytest.raises(corpora.DownloadError) as info:
        corpora.download(url, tmp_path / "c.txt", timeout=5, progress=False)
    message = str(info.value)
    assert url in message and "offline" in message and str(tmp_path / "c.txt") in message


def test_bad_sha256_argument_rejected(tmp_path):
    with pytest.raises(ValueError, match="64 hex"):
        corpora.download("http://127.0.0.1:1/x", tmp_path / "x", sha256="abc")


def test_load_corpus_downloads_then_reuses_cache(server, tmp_path, monkeypatch):
    httpd, base = server
    entry = corpora.Corpus(f"{base}/corpus.txt", SHA, len(PAYLOAD), "local.txt", "test data")
    monkeypatch.setitem(corpora.CORPORA, "local", entry)
    monkeypatch.setenv("LMKIT_CACHE", str(tmp_path))
    assert corpora.cache_dir() == tmp_path
    assert corpora.load_corpus("local") == PAYLOAD.decode()
    httpd.shutdown()  # server gone: the cached copy must be enough
    httpd.server_close()
    assert corpora.load_corpus("local") == PAYLOAD.decode()
    (tmp_path / "local.txt").write_text("corrupted")
    with pytest.raises(corpora.ChecksumError, match="corrupted"):
        corpora.load_corpus("local")


def test_unknown_corpus_name():
    with pytest.raises(ValueError, match="tiny_shakespeare"):
        corpora.load_corpus("nope")


def test_registry_entries_are_well_formed():
    for entry in corpora.CORPORA.values():
        assert entry.url.startswith("https://") and len(entry.sha256) == 64 and entry.size > 0
