#!/usr/bin/env python3
"""A minimal SMTP server for benchmarks: accepts every message (RFC 5321's happy path: EHLO/HELO,
MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps nothing, and counts what it accepted into a file once a
second. Usage: smtp_sink.py PORT COUNT_FILE"""
import asyncio
import sys

accepted = 0


async def session(reader, writer):
    global accepted
    writer.write(b"220 sink ESMTP\r\n")
    in_data = False
    while True:
        line = await reader.readline()
        if not line:
            break
        if in_data:
            if line in (b".\r\n", b".\n"):
                in_data = False
                accepted += 1
                writer.write(b"250 OK queued\r\n")
            continue
        verb = line[:4].upper()
        if verb == b"EHLO":
            writer.write(b"250-sink\r\n250 8BITMIME\r\n")
        elif verb == b"DATA":
            in_data = True
            writer.write(b"354 go ahead\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"250 OK\r\n")
        await writer.drain()
    writer.close()


async def report(path):
    while True:
        with open(path, "w") as f:
            f.write(f"{accepted}\n")
        await asyncio.sleep(1)


async def main(port, path):
    server = await asyncio.start_server(session, "127.0.0.1", port)
    async with server:
        await asyncio.gather(server.serve_forever(), report(path))


asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
