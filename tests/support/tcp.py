#!/usr/bin/env python3
"""Real TCP endpoints for kernel-oracle tests, run inside network namespaces with `ip netns exec`.

  tcp.py listen ADDR PORT           accept and close connections forever (prints "ready" once bound)
  tcp.py connect TIMEOUT DST PORT SRC [SRC ...]
                                    from each source address in parallel, prints "SRC connected|timeout|refused|error:…"
"""
import socket
import sys
import threading


def listen(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(512)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        c.close()


def connect_one(timeout, dst, port, src, out):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.bind((src, 0))
        s.connect((dst, int(port)))
        out[src] = "connected"
    except socket.timeout:
        out[src] = "timeout"
    except ConnectionRefusedError:
        out[src] = "refused"
    except OSError as e:
        out[src] = "error:" + str(e.errno)
    finally:
        s.close()


def connect(timeout, dst, port, sources):
    out = {}
    threads = [threading.Thread(target=connect_one, args=(float(timeout), dst, port, src, out)) for src in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for src in sources:
        print(src, out[src])


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "connect":
        connect(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit("usage: tcp.py listen ADDR PORT | connect TIMEOUT DST PORT SRC...")
