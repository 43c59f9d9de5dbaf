package main

import "flag"

// A deployment may keep its cache and its queues in two Redis servers: the
// cache wants an evicting maxmemory-policy (allkeys-lru), so that a full
// Redis drops old results, while queue lists and job records want
// noeviction, so that a full Redis refuses writes instead of deleting
// accepted work. --queue-redis-url names the second one; without it the
// queues live in the one Redis of --redis-url, as before.

// queueRedisURLVar defines --queue-redis-url, whose value may hold a
// password, like --redis-url's.
func queueRedisURLVar(fs *flag.FlagSet, env *Env, p *string) {
	secretVar(fs, env, p, "queue-redis-url", "ABACO_QUEUE_REDIS_URL",
		"Redis `URL` for queues and job records, when they live apart from the cache "+
			"(a noeviction Redis, with the cache in an allkeys-lru one); empty means the Redis of --redis-url")
}

// queueURL returns the URL of the Redis that holds queues and jobs: the
// queue Redis when one is named, else the only Redis.
func queueURL(redisURL, queueRedisURL string) string {
	if queueRedisURL != "" {
		return queueRedisURL
	}
	return redisURL
}
