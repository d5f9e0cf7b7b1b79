"""Drives this checkout's tslab kernel as JupyterLab's stop button does (jupyter_client's interrupt_kernel, a
SIGINT), for test/notebook-interrupt.test.ts. Prints one JSON object of what it saw.

usage: interrupt_kernel.py RUNS_DIR
"""

import json
import sys
import time

from jupyter_client.manager import KernelManager

runs = sys.argv[1]
SETUP = """import { makeConfig, trainCached } from './lib/index.js';
const config = makeConfig('quick', { epochs: 30, trainLimit: 2048 });"""
TRAIN = f"""const trained = await trainCached('interrupted', config, {{ root: {json.dumps(runs + '/a')} }});
console.log('losses', JSON.stringify(trained.history.at(-1).losses));"""
UNINTERRUPTED = f"""const straight = await trainCached('interrupted', config, {{ root: {json.dumps(runs + '/b')} }});
console.log('losses', JSON.stringify(straight.history.at(-1).losses));"""


def execute(client, code, timeout=300, interrupt_after=None, manager=None):
    """Runs `code`; with `interrupt_after`, interrupts the kernel that many seconds in. Returns the reply's status,
    the cell's text output, and the seconds from the interrupt (or the start) to the reply."""
    # tslab aborts what arrives within 200 ms of a failed cell (a "run all" stops at an error); a person clicking
    # is slower than that.
    time.sleep(0.5)
    msg_id = client.execute(code)
    started = time.monotonic()
    interrupted_at = None
    text = []
    while True:
        if interrupt_after is not None and interrupted_at is None and time.monotonic() - started > interrupt_after:
            manager.interrupt_kernel()
            interrupted_at = time.monotonic()
        try:
            msg = client.get_iopub_msg(timeout=0.2)
        except Exception:
            if time.monotonic() - started > timeout:
                raise TimeoutError(code)
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "stream":
            text.append(msg["content"]["text"])
        elif kind == "error":
            text.append(msg["content"]["ename"] + ": " + msg["content"]["evalue"])
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=30)
    status = reply["content"]["status"]
    return {"status": status, "output": "".join(text), "seconds": time.monotonic() - (interrupted_at or started)}


manager = KernelManager(kernel_name="bigan-tslab")
manager.start_kernel()
client = manager.client()
client.start_channels()
client.wait_for_ready(timeout=120)
try:
    result = {
        "setup": execute(client, SETUP),
        "interrupted": execute(client, TRAIN, interrupt_after=10, manager=manager),
        "next": execute(client, "console.log('next cell', config.epochs, 6 * 7);"),
        "rerun": execute(client, TRAIN),
        "uninterrupted": execute(client, UNINTERRUPTED),
    }
finally:
    client.stop_channels()
    manager.shutdown_kernel(now=True)
print(json.dumps(result))
