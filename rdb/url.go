package rdb

import (
	"crypto/tls"
	"net"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"abaco"
)

// URL is a parsed Redis URL: one syntax for every topology abaco runs on.
//
//	redis://[user:password@]host:port[/db]              one server
//	rediss://...                                         the same over TLS
//	redis://h1:p1,h2:p2,h3:p3[/db]                       a Cluster (or one server), seeded by any of them
//	redis://h1:p1?addr=h2:p2&addr=h3:p3                  the same, as rueidis spells it
//	redis+sentinel://[user:password@]s1:p1,s2:p2,s3:p3/mymaster[/db]
//	                                                     the master Sentinel names mymaster
//	redis://s1:p1?addr=s2:p2&master_set=mymaster         the same, as rueidis spells it
//	unix:///path/to/redis.sock
//
// The user and password are the data servers' (the master's under
// Sentinel); the sentinels' own, when they require one, go in
// ?sentinel_username= and ?sentinel_password=. A missing port is 6379
// (26379 for a sentinel). The other query parameters are rueidis's: db,
// dial_timeout, write_timeout, protocol=2, skip_verify, client_name,
// max_retries=0; an unknown one is an error, so that a misspelt
// sentinel_password is not silently ignored.
type URL struct {
	// Addrs are the servers' host:port: the seeds of a cluster, the
	// sentinels under Sentinel, the socket path for unix://.
	Addrs []string
	// MasterSet is the name of the master Sentinel watches; empty when
	// the URL does not use Sentinel.
	MasterSet string
	// TLS is set by rediss:// and rediss+sentinel://.
	TLS bool
	// DB is the database number, 0 by default.
	DB int
	// Username and Password log in to the data servers.
	Username, Password string
	// SentinelUsername and SentinelPassword log in to the sentinels.
	SentinelUsername, SentinelPassword string

	unix   bool
	option rueidis.ClientOption // the query's rueidis settings
}

// Default ports, when the URL names a host without one.
const (
	defaultPort         = "6379"
	defaultSentinelPort = "26379"
)

// knownParams are the query parameters ParseURL accepts.
var knownParams = map[string]bool{
	"db": true, "addr": true, "master_set": true, "sentinel_username": true, "sentinel_password": true,
	"dial_timeout": true, "write_timeout": true, "protocol": true, "skip_verify": true,
	"client_name": true, "max_retries": true, "client_cache": true,
}

// ParseURL parses a Redis URL (see URL). Its errors say which part is
// wrong but never quote the URL, so no password can reach a log through
// them; they have code abaco.CodeInvalid.
func ParseURL(raw string) (URL, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return URL{}, urlErr("want scheme://..., e.g. redis://127.0.0.1:6379")
	}
	var u URL
	switch scheme {
	case "redis", "valkey":
	case "rediss", "valkeys":
		u.TLS = true
	case "redis+sentinel":
		u.MasterSet = "?" // set from the path below
	case "rediss+sentinel":
		u.TLS, u.MasterSet = true, "?"
	case "unix":
		u.unix = true
	default:
		return URL{}, urlErr("unknown scheme: want redis, rediss, redis+sentinel, rediss+sentinel or unix")
	}
	authority, tail := splitAuthority(rest)
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		if err := u.setUser(authority[:i]); err != nil {
			return URL{}, err
		}
		authority = authority[i+1:]
	}
	path, query, _ := strings.Cut(tail, "?")
	path, _, _ = strings.Cut(path, "#")
	if err := u.setHostsAndPath(authority, path); err != nil {
		return URL{}, err
	}
	if err := u.setQuery(query); err != nil {
		return URL{}, err
	}
	if u.MasterSet == "?" || u.MasterSet == "" && u.SentinelPassword+u.SentinelUsername != "" {
		return URL{}, urlErr("sentinel: want redis+sentinel://s1:p1,s2:p2/master-name (or ?master_set=)")
	}
	return u, nil
}

// urlErr is a ParseURL error.
func urlErr(msg string) error {
	return abaco.Errorf(abaco.CodeInvalid, "rdb: parse url: %s", msg)
}

// splitAuthority splits what follows "scheme://" at the first '/', '?' or
// '#': the authority (user info and hosts) and the rest.
func splitAuthority(rest string) (authority, tail string) {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return rest[:i], rest[i:]
	}
	return rest, ""
}

// setUser parses user[:password], percent-encoded.
func (u *URL) setUser(info string) error {
	user, pass, hasPass := strings.Cut(info, ":")
	var err1, err2 error
	u.Username, err1 = neturl.PathUnescape(user)
	if hasPass {
		u.Password, err2 = neturl.PathUnescape(pass)
	}
	if err1 != nil || err2 != nil {
		return urlErr("malformed user or password (percent-encode '%', '@', ':' and '/' in them)")
	}
	return nil
}

// setHostsAndPath parses the comma-separated host list and the path:
// /db, or for Sentinel /master-name[/db], or for unix:// the socket.
func (u *URL) setHostsAndPath(hosts, path string) error {
	if u.unix {
		if hosts != "" || path == "" {
			return urlErr("unix: want unix:///path/to/socket")
		}
		u.Addrs = []string{path}
		return nil
	}
	port := defaultPort
	if u.MasterSet != "" {
		port = defaultSentinelPort
	}
	for i, h := range strings.Split(hosts, ",") {
		addr, err := hostPort(h, port)
		if err != nil {
			return urlErr("host " + strconv.Itoa(i+1) + ": " + err.Error())
		}
		u.Addrs = append(u.Addrs, addr)
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if u.MasterSet != "" && path != "" {
		u.MasterSet, segs = segs[0], segs[1:]
		if u.MasterSet == "" {
			return urlErr("sentinel: empty master name")
		}
	}
	switch {
	case len(segs) == 0 || len(segs) == 1 && segs[0] == "":
		return nil
	case len(segs) > 1:
		return urlErr("path: want /db (or /master-name/db for sentinel)")
	}
	return u.setDB(segs[0])
}

// hostPort checks one host[:port] of the list and adds the default port.
func hostPort(h, defPort string) (string, error) {
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		// No port, or no host at all: "host", "[::1]".
		if host, port, err = net.SplitHostPort(h + ":" + defPort); err != nil {
			return "", errString("malformed host: want host:port or [ipv6]:port")
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", errString("port is not a number from 1 to 65535")
	}
	if host == "" {
		return "", errString("empty host")
	}
	return net.JoinHostPort(host, port), nil
}

// errString is a fixed error text.
type errString string

func (e errString) Error() string { return string(e) }

// setDB sets the database number.
func (u *URL) setDB(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return urlErr("database is not a non-negative number")
	}
	u.DB = n
	return nil
}

// setQuery applies the query parameters.
func (u *URL) setQuery(query string) error {
	q, err := neturl.ParseQuery(query)
	if err != nil {
		return urlErr("malformed query")
	}
	for k := range q {
		if !knownParams[k] {
			return urlErr("unknown query parameter (known: db, addr, master_set, sentinel_username, sentinel_password, " +
				"dial_timeout, write_timeout, protocol, skip_verify, client_name, max_retries, client_cache)")
		}
	}
	if q.Has("db") {
		if err := u.setDB(q.Get("db")); err != nil {
			return err
		}
	}
	port := defaultPort
	if q.Has("master_set") || u.MasterSet != "" {
		port = defaultSentinelPort
	}
	for i, a := range q["addr"] {
		addr, err := hostPort(a, port)
		if err != nil {
			return urlErr("addr " + strconv.Itoa(i+1) + ": " + err.Error())
		}
		u.Addrs = append(u.Addrs, addr)
	}
	if m := q.Get("master_set"); m != "" {
		if u.MasterSet != "" && u.MasterSet != "?" {
			return urlErr("sentinel: the master is named twice (path and master_set)")
		}
		u.MasterSet = m
	}
	u.SentinelUsername, u.SentinelPassword = q.Get("sentinel_username"), q.Get("sentinel_password")
	return u.setOptions(q)
}

// setOptions applies the rueidis tuning parameters of the query.
func (u *URL) setOptions(q neturl.Values) error {
	o := &u.option
	for _, d := range []struct {
		key string
		p   *time.Duration
	}{{"dial_timeout", &o.Dialer.Timeout}, {"write_timeout", &o.ConnWriteTimeout}} {
		if !q.Has(d.key) {
			continue
		}
		v, err := time.ParseDuration(q.Get(d.key))
		if err != nil || v <= 0 {
			return urlErr(d.key + " is not a positive duration (e.g. 5s)")
		}
		*d.p = v
	}
	if q.Has("skip_verify") {
		v := q.Get("skip_verify")
		skip, err := strconv.ParseBool(v)
		if v != "" && err != nil {
			return urlErr("skip_verify is not a boolean")
		}
		o.TLSConfig = &tls.Config{InsecureSkipVerify: v == "" || skip} //nolint:gosec // asked for by the URL
	}
	o.AlwaysRESP2 = q.Get("protocol") == "2"
	o.DisableRetry = q.Get("max_retries") == "0"
	o.ClientName = q.Get("client_name")
	return nil
}

// clientOption returns the rueidis options of the URL.
func (u URL) clientOption() rueidis.ClientOption {
	o := u.option
	o.InitAddress = append([]string(nil), u.Addrs...)
	o.Username, o.Password, o.SelectDB = u.Username, u.Password, u.DB
	if u.unix {
		o.DialCtxFn = dialUnix
	}
	if u.TLS {
		skip := o.TLSConfig != nil && o.TLSConfig.InsecureSkipVerify
		host, _, _ := net.SplitHostPort(u.Addrs[0])
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host, InsecureSkipVerify: skip} //nolint:gosec
	} else {
		o.TLSConfig = nil
	}
	if u.MasterSet != "" {
		o.Sentinel.MasterSet = u.MasterSet
		o.Sentinel.Username, o.Sentinel.Password = u.SentinelUsername, u.SentinelPassword
		o.Sentinel.TLSConfig = o.TLSConfig
		// The master's TLS name comes from what the sentinels announce.
		if o.TLSConfig != nil {
			o.TLSConfig = o.TLSConfig.Clone()
			o.TLSConfig.ServerName = ""
		}
	}
	return o
}

// Redacted returns the URL in its canonical form with every password
// replaced by "xxxxx", for logs and errors.
func (u URL) Redacted() string {
	var b strings.Builder
	scheme := "redis"
	switch {
	case u.unix:
		return "unix://" + u.Addrs[0]
	case u.TLS:
		scheme = "rediss"
	}
	if u.MasterSet != "" {
		scheme += "+sentinel"
	}
	b.WriteString(scheme + "://")
	if u.Username != "" || u.Password != "" {
		b.WriteString(neturl.PathEscape(u.Username))
		if u.Password != "" {
			b.WriteString(":xxxxx")
		}
		b.WriteByte('@')
	}
	b.WriteString(strings.Join(u.Addrs, ","))
	if u.MasterSet != "" {
		b.WriteString("/" + neturl.PathEscape(u.MasterSet))
	}
	if u.DB != 0 {
		b.WriteString("/" + strconv.Itoa(u.DB))
	}
	sep := "?"
	if u.SentinelUsername != "" {
		b.WriteString(sep + "sentinel_username=" + neturl.QueryEscape(u.SentinelUsername))
		sep = "&"
	}
	if u.SentinelPassword != "" {
		b.WriteString(sep + "sentinel_password=xxxxx")
	}
	return b.String()
}

// Redact returns raw with its passwords hidden (URL.Redacted), "" for "",
// or "(unparsable URL)" when it does not parse: a URL that does not parse
// cannot be trusted to show where its password is.
func Redact(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := ParseURL(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
