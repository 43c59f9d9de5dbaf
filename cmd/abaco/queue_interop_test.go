package main

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"abaco"
)

// python is Debian's interpreter, which has python3-redis (redis-py).
const python = "/usr/bin/python3"

func pythonRedis(t *testing.T, b *binary, script string) string {
	t.Helper()
	host, port, _ := strings.Cut(b.srv.Addr, ":")
	full := "import redis, sys\nr = redis.Redis(host=" + strconv.Quote(host) + ", port=" + port + ")\n" + script
	out, err := exec.Command(python, "-c", full).CombinedOutput()
	if err != nil {
		t.Fatalf("%s with redis-py (Debian python3-redis) failed: %v\n%s", python, err, out)
	}
	return string(out)
}

// testInteropConsume: the tutorial's produtor.py (redis-py RPUSH of ints)
// and redis-cli RPUSH feed abaco consume, which processes them in order.
func testInteropConsume(t *testing.T, b *binary, _ abaco.Broker) {
	pythonRedis(t, b, "for n in range(1, 101):\n    r.rpush('number_queue', n)\n")
	if out, err := exec.Command("redis-cli", "-p", b.srv.Addr[strings.LastIndex(b.srv.Addr, ":")+1:],
		"RPUSH", "number_queue", "101", "102", "103").CombinedOutput(); err != nil {
		t.Fatalf("redis-cli RPUSH: %v\n%s", err, out)
	}
	var want []string
	for i := 1; i <= 103; i++ {
		want = append(want, strconv.Itoa(i))
	}
	p := b.start(t, "consume", "--delay", "0")
	until(t, 20*time.Second, "103 items", func() bool { return len(processed(p.out.String())) >= 103 })
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	ordered(t, "consumed", processed(p.out.String()), want)
}

// testInteropProduce: items from abaco produce are read by a plain redis-py
// BLPOP loop (the tutorial's consumidor.py) in order, as plain values.
func testInteropProduce(t *testing.T, b *binary, _ abaco.Broker) {
	out := b.run(t, "produce", "1..50", "-7", "3.5")
	if !strings.HasPrefix(out, "produced 52 items onto number_queue in ") {
		t.Fatalf("summary = %q", out)
	}
	got := pythonRedis(t, b, "for _ in range(52):\n    print(r.blpop('number_queue', 5)[1].decode())\nprint(r.llen('number_queue'))\n")
	var want []string
	for i := 1; i <= 50; i++ {
		want = append(want, strconv.Itoa(i))
	}
	want = append(want, "-7", "3.5", "0")
	ordered(t, "read by BLPOP", strings.Fields(got), want)
}
