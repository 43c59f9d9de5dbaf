package httpapi

import (
	"net/http"
	"strconv"
	"strings"
)

// lang is a language the API writes its problems (and, for /docs, its
// OpenAPI document) in.
type lang int

const (
	langEN lang = iota // English, the default and the engine's own language
	langPT             // Brazilian Portuguese, the tutorial's language
)

// tag returns the BCP 47 tag of l, as sent in Content-Language.
func (l lang) tag() string {
	if l == langPT {
		return "pt-BR"
	}
	return "en"
}

// requestLang picks the language of the answer to r from its
// Accept-Language header (RFC 9110, section 12.5.4); a header sent on
// several lines is one comma-separated list.
func requestLang(r *http.Request) lang {
	return parseAcceptLanguage(strings.Join(r.Header.Values("Accept-Language"), ","))
}

// parseAcceptLanguage returns the language of the highest-weighted range
// of header that abaco speaks: pt and every pt-* range (pt-BR, pt-PT) mean
// Portuguese, since there is one Portuguese; en, en-* and * mean English.
// Ranges with q=0 are refused and ranges with an invalid weight are
// skipped; of equal weights the first listed wins. With no match the answer
// is English, which a client that refused it (en;q=0) still gets: a problem
// must be answered in some language.
func parseAcceptLanguage(header string) lang {
	best, bestQ := langEN, 0
	for _, item := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(item, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q, ok := parseQ(params)
		if !ok || q == 0 || q <= bestQ {
			continue
		}
		switch {
		case tag == "pt" || strings.HasPrefix(tag, "pt-"):
			best, bestQ = langPT, q
		case tag == "en" || strings.HasPrefix(tag, "en-") || tag == "*":
			best, bestQ = langEN, q
		}
	}
	return best
}

// parseQ returns the weight of a range's parameters ("q=0.8", or "" for
// the default 1) in thousandths, and whether it is a valid qvalue
// (RFC 9110, section 12.4.2: 0 to 1 with at most three decimals).
func parseQ(params string) (int, bool) {
	params = strings.TrimSpace(params)
	if params == "" {
		return 1000, true
	}
	name, v, ok := strings.Cut(params, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
		return 0, false
	}
	v = strings.TrimSpace(v)
	whole, frac, _ := strings.Cut(v, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 {
		return 0, false
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	frac += strings.Repeat("0", 3-len(frac))
	n, _ := strconv.Atoi(frac)
	if whole == "1" {
		if n != 0 {
			return 0, false
		}
		return 1000, true
	}
	return n, true
}
