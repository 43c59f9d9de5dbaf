#!/usr/bin/env python3
"""The tutorial's produtor.py: RPUSH numbers onto the number_queue list.

    REDIS_URL=redis://127.0.0.1:6379 python3 examples/produtor.py 10

Each number is stored as its text ("7"), so "abaco consume" and
consumidor.py both read it. Needs redis-py (python3-redis, pip install redis).
"""

import argparse
import os

import redis


def main():
    parser = argparse.ArgumentParser(description="Push the numbers 1..COUNT onto a Redis list.")
    parser.add_argument("count", type=int, nargs="?", default=10, help="how many numbers (default 10)")
    parser.add_argument("--queue", default="number_queue", help="the list (default number_queue)")
    args = parser.parse_args()
    r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    for number in range(1, args.count + 1):
        r.rpush(args.queue, number)
        print(f"Produzido: {number}")


if __name__ == "__main__":
    main()
