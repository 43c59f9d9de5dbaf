#!/usr/bin/env python3
"""The tutorial's consumidor.py: BLPOP numbers from number_queue, print them.

    REDIS_URL=redis://127.0.0.1:6379 python3 examples/consumidor.py

It waits for each number (BLPOP), decodes it and processes it, with the
tutorial's time.sleep(1) as the processing. Unlike "abaco consume", an item
taken by a consumer that dies before printing it is lost. Needs redis-py
(python3-redis, pip install redis).
"""

import argparse
import os
import sys
import time

import redis


def main():
    parser = argparse.ArgumentParser(description="Take numbers from a Redis list and print them.")
    parser.add_argument("--queue", default="number_queue", help="the list (default number_queue)")
    parser.add_argument("--count", type=int, default=0, help="stop after this many numbers (default 0: never)")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds of simulated processing (default 1)")
    args = parser.parse_args()
    r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    taken = 0
    try:
        while args.count == 0 or taken < args.count:
            _, number = r.blpop(args.queue)
            taken += 1
            time.sleep(args.delay)
            print(f"Consumido: {number.decode()}", flush=True)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
