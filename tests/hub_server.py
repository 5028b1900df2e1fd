"""A small stand-in for the Hugging Face Hub API on 127.0.0.1, for tests that use the real client.

It answers the calls huggingface_hub makes to create a repo, commit files and download them, keeps
repos in memory, and reports errors the way the Hub does (status codes and ``X-Error-Code``). Tokens:
requests that write must carry ``Authorization: Bearer <GOOD_TOKEN>``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

GOOD_TOKEN = "hf_test_write_token_0123456789"


class Repo:
    def __init__(self, private: bool) -> None:
        self.private = private
        self.branches: dict[str, str] = {}  # branch -> commit sha
        self.commits: dict[str, dict[str, bytes]] = {}  # sha -> files

    def files(self, rev: str) -> dict[str, bytes] | None:
        sha = self.branches.get(rev, rev)
        return self.commits.get(sha)

    def sha(self, rev: str) -> str | None:
        if rev in self.branches:
            return self.branches[rev]
        return rev if rev in self.commits else None


class HubStandIn:
    """Start with ``HubStandIn().start()``; ``url`` is the endpoint; ``stop()`` shuts it down."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[str] = []
        self.extra_files: dict[str, dict[str, bytes]] = {}  # repo -> files listed but hostile (tests)
        handler = type("Handler", (_Handler,), {"hub": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "HubStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_repo(self, repo_id: str, files: dict[str, bytes], private: bool = False) -> str:
        """Create a repo holding ``files`` on main directly (for download tests); returns the commit sha."""
        repo = self.repos.setdefault(repo_id, Repo(private))
        return _commit(repo, "main", files)


def _commit(repo: Repo, branch: str, files: dict[str, bytes]) -> str:
    parent = repo.files(branch) or {}
    merged = {**parent, **files}
    sha = hashlib.sha1(json.dumps(sorted((k, hashlib.sha1(v).hexdigest()) for k, v in merged.items())).encode()
                       + str(len(repo.commits)).encode()).hexdigest()
    repo.commits[sha] = merged
    repo.branches[branch] = sha
    return sha


class _Handler(BaseHTTPRequestHandler):
    hub: HubStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    # -- helpers -----------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes | dict | list = b"", headers: dict[str, str] | None = None,
              head: bool = False) -> None:
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, status: int, code: str | None, message: str, head: bool = False) -> None:
        headers = {"X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        self._send(status, {"error": message}, headers, head)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _token_ok(self) -> bool | None:
        auth = self.headers.get("Authorization")
        if not auth:
            return None
        return auth == f"Bearer {GOOD_TOKEN}"

    def _check_write(self) -> bool:
        ok = self._token_ok()
        if ok is None:
            self._error(401, None, "You must be authenticated to write")
            return False
        if not ok:
            self._error(401, None, "Invalid credentials in Authorization header")
            return False
        return True

    def _files(self, repo_id: str, rev: str, head: bool) -> tuple[Repo, dict[str, bytes]] | None:
        """The repo and its files at ``rev``, or None after answering 404 as the Hub does."""
        repo = self._repo(repo_id, head)
        if repo is None:
            return None
        files = repo.files(rev)
        if files is None:
            self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}", head)
            return None
        return repo, files

    def _repo(self, repo_id: str, head: bool = False) -> Repo | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None or (repo.private and not self._token_ok()):
            self._error(404, "RepoNotFound", "Repository not found", head)
            return None
        return repo

    # -- routes ------------------------------------------------------------------------------------------
    def do_POST(self) -> None:
        path = unquote(urlparse(self.path).path)
        self.hub.requests.append(f"POST {path}")
        body = self._body()
        if path == "/api/validate-yaml":
            return self._send(200, {"errors": [], "warnings": []})
        if path == "/api/repos/create":
            if not self._check_write():
                return
            data = json.loads(body or b"{}")
            repo_id = f"{data['organization']}/{data['name']}" if data.get("organization") else data["name"]
            if "/" not in repo_id:
                repo_id = f"tester/{repo_id}"
            if repo_id in self.hub.repos:  # like the Hub: 409, and the body still names the repo's url
                return self._send(409, {"error": "You already created this model repo",
                                        "url": f"{self.hub.url}/{repo_id}"},
                                  {"X-Error-Message": "You already created this model repo"})
            # huggingface_hub 2.x sends "visibility"; older clients sent "private".
            self.hub.repos[repo_id] = Repo(data.get("visibility") == "private" or bool(data.get("private")))
            _commit(self.hub.repos[repo_id], "main", {".gitattributes": b"*.safetensors filter=lfs\n"})
            return self._send(200, {"url": f"{self.hub.url}/{repo_id}", "name": repo_id, "id": repo_id})
        parts = path.split("/")
        if len(parts) >= 7 and parts[1:3] == ["api", "models"]:
            repo_id, action, rev = f"{parts[3]}/{parts[4]}", parts[5], "/".join(parts[6:])
            if not self._check_write():
                return
            repo = self._repo(repo_id)
            if repo is None:
                return
            if action == "preupload":
                files = json.loads(body)["files"]
                return self._send(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                                   "oid": None} for f in files], "commitOid": repo.sha(rev)})
            if action == "commit":
                if rev not in repo.branches:
                    return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                files = {}
                for line in body.decode().splitlines():
                    item = json.loads(line)
                    if item["key"] == "file":
                        files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
                sha = _commit(repo, rev, files)
                return self._send(200, {"success": True, "commitOid": sha, "commitUrl": f"{self.hub.url}/{repo_id}/commit/{sha}",
                                        "pullRequestUrl": None})
            if action == "branch":
                if rev not in repo.branches:
                    repo.branches[rev] = repo.branches["main"]
                return self._send(200, {})
        self._error(404, None, f"no route for POST {path}")

    def do_GET(self) -> None:
        self._get(head=False)

    def do_HEAD(self) -> None:
        self._get(head=True)

    def _get(self, head: bool) -> None:
        path = unquote(urlparse(self.path).path)
        self.hub.requests.append(f"{'HEAD' if head else 'GET'} {path}")
        parts = path.split("/")
        if len(parts) >= 7 and parts[1:3] == ["api", "models"] and parts[5] in ("revision", "tree"):
            repo_id, action, rev = f"{parts[3]}/{parts[4]}", parts[5], parts[6]
            found = self._files(repo_id, rev, head)
            if found is None:
                return
            repo, files = found
            names = sorted(files) + sorted(self.hub.extra_files.get(repo_id, {}))
            if action == "revision":
                return self._send(200, {"id": repo_id, "modelId": repo_id, "sha": repo.sha(rev), "private": repo.private,
                                        "siblings": [{"rfilename": n} for n in names]}, head=head)
            all_files = {**files, **self.hub.extra_files.get(repo_id, {})}
            return self._send(200, [{"type": "file", "path": n, "size": len(all_files[n]),
                                     "oid": hashlib.sha1(all_files[n]).hexdigest()} for n in names], head=head)
        if len(parts) >= 6 and parts[3] == "resolve":
            repo_id, rev, filename = f"{parts[1]}/{parts[2]}", parts[4], "/".join(parts[5:])
            found = self._files(repo_id, rev, head)
            if found is None:
                return
            repo, files = found
            data = files.get(filename, self.hub.extra_files.get(repo_id, {}).get(filename))
            if data is None:
                return self._error(404, "EntryNotFound", f"{filename} does not exist", head)
            etag = '"' + hashlib.sha1(data).hexdigest() + '"'
            return self._send(200, data, {"X-Repo-Commit": repo.sha(rev), "ETag": etag,
                                          "Content-Type": "application/octet-stream"}, head=head)
        self._error(404, None, f"no route for GET {path}", head)


class HungHub:
    """A Hub that accepts connections and never answers: the kernel completes the handshake from the listen
    backlog and takes the request bytes, and nothing ever reads or replies. ``url``; ``stop()``."""

    def __init__(self) -> None:
        import socket

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def stop(self) -> None:
        self.sock.close()
