"""Berth's kernel relay: the argv of an environment's kernelspec in a Docker session's Jupyter container
(decision 0018). Jupyter Server starts it as the kernel: it hands Jupyter's connection file (ports and
key) to the environment's kernel host container through the session's kernel folder, then relays
each of the kernel's five ports from 127.0.0.1 here to that container on the session network, and
passes a SIGINT on as ``<request>.interrupt``. It
ends when the kernel ends (the host writes ``<request>.exited``) or when Jupyter stops it (then it
withdraws the request, and the host ends the kernel). Needs no Docker socket: standard library only.

    kernel_relay.py CONNECTION_FILE KERNEL_HOST REQUESTS_DIR
"""
import asyncio
import json
import os
import signal
import sys

PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")


async def _pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _connect(host, port, local_reader, local_writer):
    for _ in range(1200):  # the kernel may still be starting: up to about two minutes
        try:
            remote_reader, remote_writer = await asyncio.open_connection(host, port)
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        local_writer.close()
        return
    await asyncio.gather(_pipe(local_reader, remote_writer), _pipe(remote_reader, local_writer))


async def _relay(info, host, request):
    servers = []
    for name in PORTS:
        port = info[name]
        servers.append(await asyncio.start_server(lambda r, w, p=port: _connect(host, p, r, w), info.get("ip") or "127.0.0.1", port))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGHUP, stop.set)
    while not stop.is_set() and not os.path.exists(request + ".exited"):
        try:
            await asyncio.wait_for(stop.wait(), 0.3)
        except asyncio.TimeoutError:
            pass
    for server in servers:
        server.close()


def _touch(path):
    try:
        open(path, "w").close()
    except OSError:
        pass


def main():
    connection_file, host, requests = sys.argv[1:4]
    with open(connection_file, encoding="utf-8") as f:
        info = json.load(f)
    request = os.path.join(requests, os.path.basename(connection_file))
    # Kernels interrupted by signal (IRkernel: no interrupt_mode) get Jupyter's SIGINT through the host;
    # a SIGINT never ends the relay (Python kernels are interrupted by message).
    signal.signal(signal.SIGINT, lambda *_: _touch(request + ".interrupt"))
    handed = dict(info, ip="0.0.0.0", cwd=os.getcwd())
    with open(request + ".tmp", "w", encoding="utf-8") as f:
        json.dump(handed, f)
    os.replace(request + ".tmp", request)
    try:
        asyncio.run(_relay(info, host, request))
    finally:
        for path in (request, request + ".exited", request + ".interrupt"):
            try:
                os.remove(path)
            except OSError:
                pass


if __name__ == "__main__":
    main()
