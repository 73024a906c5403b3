"""The seeds' JSON examples, sent verbatim over a real WebSocket, must give the seeds' results."""
import json

import pytest


def send_verbatim(client, text):
    """Sends a seed message as written (its own id) and returns the response to that id."""
    msg = json.loads(text)
    client.send_raw(json.dumps(msg))
    return client.wait_for(msg["id"])


def create(client, language):
    r = send_verbatim(client, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session.create",
                                          "params": {"language": language}}))
    assert "result" in r, r
    client.sessions.append(r["result"]["sessionId"])
    return r["result"]["sessionId"]


def test_session_create_seed_shape(client):
    r = send_verbatim(client, """{
      "jsonrpc": "2.0", "id": 1, "method": "session.create",
      "params": {"language": "python", "idleTimeoutMinutes": 30, "maxLifetimeMinutes": 120, "memoryLimitMB": 512}
    }""")
    res = r["result"]
    assert set(["sessionId", "containerId", "language", "createdAt", "state", "config"]) <= set(res)
    assert res["language"] == "python"
    assert res["state"] == "Active"
    assert res["config"]["idleTimeoutMinutes"] == 30 and res["config"]["maxLifetimeMinutes"] == 120
    assert res["createdAt"].endswith("Z")
    client.call("session.close", {"sessionId": res["sessionId"]})


def test_hello_world_write_shell_read_list_close(client):
    sid = create(client, "python")
    w = send_verbatim(client, json.dumps({"jsonrpc": "2.0", "id": 2, "method": "session.execute", "params": {
        "sessionId": sid, "command": {"type": "write_file", "path": "/workspace/hello.py",
                                      "content": "print('Hello, World!')", "mode": "Create"}}}))
    assert w["result"]["success"] is True and w["result"]["error"] is None
    assert w["result"]["result"]["path"] == "/workspace/hello.py" and w["result"]["result"]["bytes"] == 22
    assert isinstance(w["result"]["durationMs"], int)

    s = send_verbatim(client, json.dumps({"jsonrpc": "2.0", "id": 3, "method": "session.execute", "params": {
        "sessionId": sid, "command": {"type": "execute_shell", "commandName": "python3",
                                      "args": ["/workspace/hello.py"], "workingDirectory": "/workspace"}}}))
    res = s["result"]["result"]
    assert s["result"]["success"] is True
    assert res["exitCode"] == 0 and res["stdout"] == "Hello, World!\n" and res["stderr"] == ""

    rd = send_verbatim(client, json.dumps({"jsonrpc": "2.0", "id": 4, "method": "session.execute", "params": {
        "sessionId": sid, "command": {"type": "read_file", "path": "/workspace/hello.py"}}}))
    assert rd["result"]["result"]["content"] == "print('Hello, World!')" and rd["result"]["result"]["bytes"] == 22

    ls = send_verbatim(client, '{"jsonrpc": "2.0", "id": 5, "method": "session.list", "params": {}}')
    mine = [x for x in ls["result"]["sessions"] if x["sessionId"] == sid]
    assert ls["result"]["count"] >= 1 and len(mine) == 1
    assert mine[0]["executionCount"] >= 3
    for key in ["containerId", "language", "createdAt", "lastActivity", "state", "idleMinutes", "lifetimeMinutes"]:
        assert key in mine[0]

    c = send_verbatim(client, json.dumps({"jsonrpc": "2.0", "id": 6, "method": "session.close", "params": {"sessionId": sid}}))
    assert c["result"] == {"sessionId": sid, "closed": True}


def test_count_loop_script(client):
    sid = create(client, "python")
    client.execute(sid, {"type": "write_file", "path": "/workspace/script.py",
                         "content": 'for i in range(5):\n print(f"Count: {i}")'})
    r = client.execute(sid, {"type": "execute_shell", "commandName": "python3", "args": ["/workspace/script.py"]})
    assert r["result"]["stdout"] == "Count: 0\nCount: 1\nCount: 2\nCount: 3\nCount: 4\n"


def test_javascript_sum(client):
    sid = create(client, "javascript")
    client.execute(sid, {"type": "write_file", "path": "/workspace/app.js",
                         "content": "const numbers = [1, 2, 3, 4, 5];\nconst sum = numbers.reduce((a, b) => a + b, 0);\nconsole.log(`Sum: ${sum}`);"})
    r = client.execute(sid, {"type": "execute_shell", "commandName": "node", "args": ["/workspace/app.js"]})
    assert r["success"] is True and r["result"]["stdout"] == "Sum: 15\n"


def test_module_import_between_files(client):
    sid = create(client, "python")
    client.execute(sid, {"type": "write_file", "path": "/workspace/data.py", "content": "x = 10\ny = 20"})
    client.execute(sid, {"type": "write_file", "path": "/workspace/calc.py", "content": 'from data import x, y\nprint(f"Sum: {x + y}")'})
    r = client.execute(sid, {"type": "execute_shell", "commandName": "python3", "args": ["/workspace/calc.py"]})
    assert r["result"]["stdout"] == "Sum: 30\n"


def test_csv_processing(client):
    sid = create(client, "python")
    client.execute(sid, {"type": "write_file", "path": "/workspace/data.csv", "content": "name,age\nAlice,30\nBob,25\nCharlie,35"})
    client.execute(sid, {"type": "write_file", "path": "/workspace/process.py", "content": """
import csv
with open('/workspace/data.csv', 'r') as f:
    reader = csv.DictReader(f)
    total_age = sum(int(row['age']) for row in reader)
    print(f"Total age: {total_age}")
"""})
    r = client.execute(sid, {"type": "execute_shell", "commandName": "python3", "args": ["/workspace/process.py"]})
    assert r["result"]["stdout"] == "Total age: 90\n"
    rd = client.execute(sid, {"type": "read_file", "path": "/workspace/data.csv"})
    assert rd["result"]["content"] == "name,age\nAlice,30\nBob,25\nCharlie,35"


def test_readme_execute_seed_with_net_code_spelling(client):
    sid = create(client, "javascript")
    r = client.execute(sid, {"type": "execute", "code": 'console.log("Hello from CodeBeaker!");'})
    assert r["success"] is True and r["result"]["stdout"] == "Hello from CodeBeaker!\n"


def test_missing_file_is_a_failed_result_not_an_error(client):
    sid = create(client, "python")
    r = client.execute(sid, {"type": "read_file", "path": "/workspace/missing.py"})
    assert r["success"] is False and r["result"] is None
    assert "missing.py" in r["error"]
    assert isinstance(r["durationMs"], int)


@pytest.mark.parametrize("command", [
    {"type": "create_directory", "path": "/workspace/data"},
    {"type": "create_dir", "path": "/workspace/data2"},
])
def test_directory_spellings(client, command):
    sid = create(client, "python")
    r = client.execute(sid, command)
    assert r["success"] is True
    ls = client.execute(sid, {"type": "list_directory", "path": "/workspace"})
    names = json.dumps(ls["result"])
    assert command["path"].rsplit("/", 1)[1] in names


def test_copy_and_delete_both_spellings(client):
    sid = create(client, "python")
    client.execute(sid, {"type": "write_file", "path": "/workspace/file1.txt", "content": "abc"})
    assert client.execute(sid, {"type": "copy_file", "sourcePath": "/workspace/file1.txt", "destinationPath": "/workspace/file2.txt"})["success"]
    assert client.execute(sid, {"type": "copy_file", "source": "file2.txt", "destination": "file3.txt"})["success"]
    assert client.execute(sid, {"type": "read_file", "path": "file3.txt"})["result"]["content"] == "abc"
    assert client.execute(sid, {"type": "delete_file", "path": "/workspace/file.txt"})["success"] is False
    assert client.execute(sid, {"type": "delete_file", "path": "/workspace/file1.txt"})["success"] is True
    assert client.execute(sid, {"type": "read_file", "path": "/workspace/file1.txt"})["success"] is False
