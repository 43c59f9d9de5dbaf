package opt

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

func TestOr(t *testing.T) {
	tests := []struct {
		name   string
		v, def time.Duration
		want   time.Duration
	}{
		{"unset takes the default", 0, time.Second, time.Second},
		{"negative takes the default", -time.Millisecond, time.Second, time.Second},
		{"set is kept", 5 * time.Millisecond, time.Second, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Or(tt.v, tt.def); got != tt.want {
				t.Errorf("Or(%v, %v) = %v, want %v", tt.v, tt.def, got, tt.want)
			}
		})
	}
	if got := Or(0, 7); got != 7 {
		t.Errorf("Or(0, 7) = %d, want 7", got)
	}
}

func TestLogger(t *testing.T) {
	if Logger(nil).Enabled(context.Background(), slog.LevelError) {
		t.Error("the nil logger's stand-in logs errors; it should discard everything")
	}
	l := slog.Default()
	if Logger(l) != l {
		t.Error("Logger replaced a logger it was given")
	}
}
