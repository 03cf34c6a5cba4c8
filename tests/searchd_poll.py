#!/usr/bin/env python3
"""searchd_poll.py - clients that keep asking byline-searchd one thing until told to stop.

usage: searchd_poll.py URL PATH OUT STOPFILE [CONNECTIONS [PAUSE]]

Each of CONNECTIONS threads (default 4) holds one keep-alive connection and sends GET PATH in a
loop, PAUSE seconds apart (default 0.005), until STOPFILE exists, writing one line per request
to OUT:
    <start time, ms since 1970> <connection> <status or ERR:reason> <"total" of the JSON body or ->
    <milliseconds taken>
A connection the server closed while idle is opened again and the request sent again, as any
HTTP client does; any other failure is written as ERR and counts against the daemon.
"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def poll(host, port, path, out, lock, stop, n, pause):
    conn = None
    while not os.path.exists(stop):
        start = time.time() * 1000
        status, total = None, "-"
        for attempt in (1, 2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=30)
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                status = str(resp.status)
                try:
                    total = str(json.loads(body).get("total", "-"))
                except ValueError:
                    total = "not-json"
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                conn = None
                if attempt == 2:
                    status = "ERR:" + type(e).__name__
            except Exception as e:  # noqa: BLE001 - every failure is reported
                conn = None
                status = "ERR:" + type(e).__name__
                break
        with lock:
            out.write("%.0f %d %s %s %.0f\n" % (start, n, status, total, time.time() * 1000 - start))
            out.flush()
        time.sleep(pause)


def main():
    url, path, out_path, stop = sys.argv[1:5]
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.005
    u = urllib.parse.urlsplit(url)
    lock = threading.Lock()
    with open(out_path, "w") as out:
        threads = [threading.Thread(target=poll, args=(u.hostname, u.port, path, out, lock, stop, i, pause))
                   for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


if __name__ == "__main__":
    main()
