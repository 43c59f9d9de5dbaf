package rdb_test

import (
	"slices"
	"strings"
	"testing"

	"abaco"
	"abaco/rdb"
)

// TestParseURL checks every documented form, and the mistakes ParseURL
// must refuse, against the parsed fields and the redacted form.
func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		url      string
		want     rdb.URL
		redacted string
	}{
		{name: "standalone", url: "redis://127.0.0.1:6379",
			want: rdb.URL{Addrs: []string{"127.0.0.1:6379"}}, redacted: "redis://127.0.0.1:6379"},
		{name: "default port and db", url: "redis://127.0.0.1/3",
			want: rdb.URL{Addrs: []string{"127.0.0.1:6379"}, DB: 3}, redacted: "redis://127.0.0.1:6379/3"},
		{name: "acl user", url: "redis://alice:s3cret@127.0.0.1:6380/2",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:6380"}, DB: 2, Username: "alice", Password: "s3cret"},
			redacted: "redis://alice:xxxxx@127.0.0.1:6380/2"},
		{name: "password only, percent-encoded", url: "redis://:p%40ss%3Aword@127.0.0.1:6380",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:6380"}, Password: "p@ss:word"},
			redacted: "redis://:xxxxx@127.0.0.1:6380"},
		{name: "tls", url: "rediss://alice:pw@127.0.0.1:6380/1",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:6380"}, TLS: true, DB: 1, Username: "alice", Password: "pw"},
			redacted: "rediss://alice:xxxxx@127.0.0.1:6380/1"},
		{name: "cluster, comma form", url: "redis://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"}},
			redacted: "redis://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002"},
		{name: "cluster, addr form", url: "redis://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"}},
			redacted: "redis://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002"},
		{name: "ipv6 list", url: "redis://[::1]:7000,[::1]",
			want: rdb.URL{Addrs: []string{"[::1]:7000", "[::1]:6379"}}, redacted: "redis://[::1]:7000,[::1]:6379"},
		{name: "sentinel", url: "redis+sentinel://127.0.0.1:26379,127.0.0.1:26380,127.0.0.1/mymaster",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:26379", "127.0.0.1:26380", "127.0.0.1:26379"}, MasterSet: "mymaster"},
			redacted: "redis+sentinel://127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26379/mymaster"},
		{name: "sentinel, db and both passwords",
			url: "redis+sentinel://alice:pw@127.0.0.1:26379/mymaster/4?sentinel_username=sam&sentinel_password=spw",
			want: rdb.URL{Addrs: []string{"127.0.0.1:26379"}, MasterSet: "mymaster", DB: 4, Username: "alice", Password: "pw",
				SentinelUsername: "sam", SentinelPassword: "spw"},
			redacted: "redis+sentinel://alice:xxxxx@127.0.0.1:26379/mymaster/4?sentinel_username=sam&sentinel_password=xxxxx"},
		{name: "sentinel, tls", url: "rediss+sentinel://127.0.0.1:26379/mymaster",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:26379"}, MasterSet: "mymaster", TLS: true},
			redacted: "rediss+sentinel://127.0.0.1:26379/mymaster"},
		{name: "sentinel, rueidis form", url: "redis://127.0.0.1:26379?addr=127.0.0.1:26380&master_set=mymaster&db=2",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:26379", "127.0.0.1:26380"}, MasterSet: "mymaster", DB: 2},
			redacted: "redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster/2"},
		{name: "sentinel scheme, master in the query", url: "redis+sentinel://127.0.0.1?master_set=mymaster",
			want:     rdb.URL{Addrs: []string{"127.0.0.1:26379"}, MasterSet: "mymaster"},
			redacted: "redis+sentinel://127.0.0.1:26379/mymaster"},
		{name: "rueidis tuning", url: "redis://127.0.0.1:6379?dial_timeout=5s&protocol=2&client_name=x&max_retries=0",
			want: rdb.URL{Addrs: []string{"127.0.0.1:6379"}}, redacted: "redis://127.0.0.1:6379"},
		{name: "unix socket", url: "unix:///run/redis.sock",
			want: rdb.URL{Addrs: []string{"/run/redis.sock"}}, redacted: "unix:///run/redis.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rdb.ParseURL(tt.url)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.url, err)
			}
			if !slices.Equal(got.Addrs, tt.want.Addrs) || got.MasterSet != tt.want.MasterSet || got.TLS != tt.want.TLS ||
				got.DB != tt.want.DB || got.Username != tt.want.Username || got.Password != tt.want.Password ||
				got.SentinelUsername != tt.want.SentinelUsername || got.SentinelPassword != tt.want.SentinelPassword {
				t.Errorf("ParseURL(%q) = %+v, want %+v", tt.url, got, tt.want)
			}
			if r := got.Redacted(); r != tt.redacted {
				t.Errorf("Redacted() = %q, want %q", r, tt.redacted)
			}
		})
	}
}

// TestParseURLRefuses checks that malformed URLs are refused with code
// invalid, a message naming the part, and no password.
func TestParseURLRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, url, want string }{
		{"no scheme", "127.0.0.1:6379", "want scheme://"},
		{"unknown scheme", "http://127.0.0.1", "unknown scheme"},
		{"bad port", "redis://:Hunter2pw@127.0.0.1:notaport/0", "host 1: port"},
		{"bad port in the list", "redis://127.0.0.1:7000,127.0.0.1:x", "host 2: port"},
		{"empty host in the list", "redis://127.0.0.1:7000,,127.0.0.1:7001", "host 2: empty host"},
		{"bad db", "redis://u:Hunter2pw@127.0.0.1:6379/notadb", "database"},
		{"bad escape in the password", "redis://u:Hun%zzter2pw@127.0.0.1", "malformed user or password"},
		{"unclosed ipv6", "redis://:Hunter2pw@[::1/0", "host 1: malformed host"},
		{"sentinel without a master", "redis+sentinel://127.0.0.1:26379", "sentinel: want"},
		{"sentinel with an empty master", "redis+sentinel://127.0.0.1:26379//2", "empty master name"},
		{"sentinel password without sentinel", "redis://127.0.0.1?sentinel_password=Hunter2pw", "sentinel: want"},
		{"master named twice", "redis+sentinel://127.0.0.1/m?master_set=n", "named twice"},
		{"misspelt parameter", "redis://127.0.0.1?sentinel_pasword=Hunter2pw", "unknown query parameter"},
		{"bad dial timeout", "redis://127.0.0.1?dial_timeout=Hunter2pw", "dial_timeout"},
		{"path too long", "redis://127.0.0.1/1/2", "path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rdb.ParseURL(tt.url)
			if err == nil {
				t.Fatalf("ParseURL(%q) succeeded", tt.url)
			}
			msg := err.Error()
			if abaco.ErrorCode(err) != abaco.CodeInvalid || !strings.Contains(msg, tt.want) || strings.Contains(msg, "Hunter2pw") {
				t.Errorf("ParseURL(%q) = %q (code %s), want code invalid, %q, no password", tt.url, msg, abaco.ErrorCode(err), tt.want)
			}
		})
	}
}

// allowedInErrors are the only characters ParseURL's errors may hold:
// they never quote the URL, so a password with any other character cannot
// appear in them, even in part.
const allowedInErrors = "abcdefghijklmnopqrstuvwxyz0123456789 :,.()/_'%@=?+-[]"

// FuzzParseURL checks that ParseURL never panics, that its errors never
// quote the URL, and that neither an error nor the redacted form shows
// the password, wherever the fuzzer puts it (the URL is before + password
// + after).
func FuzzParseURL(f *testing.F) {
	for _, s := range [][3]string{
		{"redis://alice:", "Hunter2pw!", "@127.0.0.1:6379/0"},
		{"redis://:", "Hunter2pw!", "@127.0.0.1:notaport/0"},
		{"redis://:", "Hun%zzter", "@127.0.0.1"},
		{"rediss://u:", "P/ss?W#rd", "@127.0.0.1"},
		{"redis+sentinel://a:", "Hunter2pw!", "@127.0.0.1:26379,127.0.0.1:1/m/2?sentinel_password=x"},
		{"redis+sentinel://127.0.0.1/m?sentinel_password=", "Hunter2pw!", "&sentinel_username=s"},
		{"redis://127.0.0.1:7000,", "Hunter2pw!", "@h:1"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, before, password, after string) {
		u, err := rdb.ParseURL(before + password + after)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "invalid: rdb: parse url: ")
			if i := strings.IndexFunc(msg, func(r rune) bool { return !strings.ContainsRune(allowedInErrors, r) }); i >= 0 {
				t.Fatalf("error %q quotes the URL (%q)", err, msg[i:])
			}
			return
		}
		// Only a password the parser found is hidden (the fuzzer's may
		// have landed in a host), and only one that the rest of the
		// redacted form does not hold by chance is checked.
		bare := u
		bare.Password, bare.SentinelPassword = "", ""
		for _, p := range []string{u.Password, u.SentinelPassword} {
			if len(p) < 4 || strings.Contains(bare.Redacted()+":xxxxx@sentinel_password=xxxxx", p) {
				continue
			}
			if strings.Contains(u.Redacted(), p) {
				t.Fatalf("Redacted() = %q shows the password %q", u.Redacted(), p)
			}
		}
	})
}
