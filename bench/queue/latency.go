package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// stamp returns a payload carrying its enqueue time (bench only: abaco's
// real payloads are plain values).
func stamp(i int) string {
	return strconv.Itoa(i) + ":" + strconv.FormatInt(time.Now().UnixNano(), 10)
}

// recorder collects the pickup latencies handlers observe.
type recorder chan time.Duration

func newRecorder(samples int) recorder { return make(recorder, samples) }

// add records how long ago payload (made by stamp) was pushed.
func (r recorder) add(payload string) {
	_, ts, _ := strings.Cut(payload, ":")
	ns, _ := strconv.ParseInt(ts, 10, 64)
	r <- time.Since(time.Unix(0, ns))
}

// openLoop pushes samples stamped items gap apart (whether or not the
// previous one was picked up: an open loop) and returns their latencies.
func (r recorder) openLoop(samples int, gap time.Duration, push func(payload string) error) ([]time.Duration, error) {
	time.Sleep(200 * time.Millisecond) // let the consumers go idle
	for i := range samples {
		if err := push(stamp(i)); err != nil {
			return nil, err
		}
		time.Sleep(gap)
	}
	lat := make([]time.Duration, 0, samples)
	for range samples {
		lat = append(lat, <-r)
	}
	return lat, nil
}

// finish waits for all n items to be handled, then polls settled until
// the system has recorded them (acknowledged); it returns the time since
// start at that moment.
func finish(start time.Time, all <-chan struct{}, handled func() int64, n int, settled func() (bool, error)) (time.Duration, error) {
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("timed out at %d of %d", handled(), n)
	}
	for {
		ok, err := settled()
		if err != nil || ok {
			return time.Since(start), err
		}
		time.Sleep(100 * time.Microsecond)
	}
}
