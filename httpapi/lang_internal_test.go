package httpapi

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestParseAcceptLanguage(t *testing.T) {
	for _, tt := range []struct {
		name, header string
		want         lang
	}{
		{"empty", "", langEN},
		{"pt-BR", "pt-BR", langPT},
		{"pt", "pt", langPT},
		{"case", "PT-br", langPT},
		{"pt-PT falls back to pt", "pt-PT", langPT},
		{"not a prefix", "ptx", langEN},
		{"browser list", "pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7", langPT},
		{"english first", "en-US,en;q=0.9,pt-BR;q=0.8", langEN},
		{"weights over order", "en;q=0.5, pt-BR;q=0.9", langPT},
		{"equal weights: first wins", "en;q=0.8, pt;q=0.8", langEN},
		{"equal weights: first wins, pt", "pt;q=0.8, en;q=0.8", langPT},
		{"refused", "pt;q=0", langEN},
		{"refused as 0.000", "pt-BR;q=0.000, fr", langEN},
		{"wildcard", "*", langEN},
		{"unknown only", "fr-FR, de;q=0.5", langEN},
		{"unknown first", "fr, pt;q=0.5", langPT},
		{"spaces", "  pt-BR ; q=0.7 ,en;q=0.6", langPT},
		{"uppercase Q", "en;q=0.1, pt;Q=0.2", langPT},
		{"weight above 1 is invalid", "pt;q=2, en;q=0.5", langEN},
		{"1.000 is valid", "pt;q=1.000", langPT},
		{"1.001 is invalid", "pt;q=1.001", langEN},
		{"four decimals are invalid", "pt;q=0.1234", langEN},
		{"not a number", "pt;q=abc, en;q=0.1", langEN},
		{"three decimals", "en;q=0.101, pt;q=0.102", langPT},
		{"other parameter", "pt;level=1", langEN},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseAcceptLanguage(tt.header); got != tt.want {
				t.Errorf("parseAcceptLanguage(%q) = %s, want %s", tt.header, got.tag(), tt.want.tag())
			}
		})
	}
}

// TestTitlesPT checks that every code of the error table has a Portuguese
// title and that the table names no code the error table lacks.
func TestTitlesPT(t *testing.T) {
	for code := range problemKinds {
		if titlesPT[code] == "" {
			t.Errorf("code %s has no Portuguese title in titlesPT", code)
		}
	}
	for code := range titlesPT {
		if _, ok := problemKinds[code]; !ok {
			t.Errorf("titlesPT names %s, which problemKinds lacks", code)
		}
	}
}

// TestDetailsPT checks the templates: each Portuguese text uses $1 to $k,
// each exactly once, for the k placeholders of its English text, and
// leaves no placeholder untranslated; and a few messages translate as
// they should, an unknown one staying in English.
func TestDetailsPT(t *testing.T) {
	ph := regexp.MustCompile(`\{[nws]\}`)
	ref := regexp.MustCompile(`\$[0-9]+`)
	// The English texts come back from the compiled patterns, in order.
	for _, d := range append(append([]detailPT{}, detailsPT...), openapiPT...) {
		k := d.re.NumSubexp()
		if ph.MatchString(d.pt) {
			t.Errorf("%q: placeholder left in the Portuguese text", d.pt)
		}
		refs := ref.FindAllString(d.pt, -1)
		seen := map[string]bool{}
		for _, r := range refs {
			seen[r] = true
		}
		if len(refs) != k || len(seen) != k {
			t.Errorf("%q has %d references for %d placeholders of %s", d.pt, len(refs), k, d.re)
		}
	}
	for _, tt := range []struct{ en, pt string }{
		{"division by zero", "divisão por zero"},
		{"integer result would have about 10000000001 bits, more than the limit of 65536",
			"o resultado inteiro teria cerca de 10000000001 bits, mais que o limite de 65536"},
		{"unsupported operand type(s) for <<: 'float' and 'int'", "tipo(s) de operando não suportado(s) para <<: 'float' e 'int'"},
		{"invalid character '€' (U+20AC)", "caractere inválido '€' (U+20AC)"},
		{"invalid character '$'", "caractere inválido '$'"},
		{`no job "abc": it never existed or its result has expired`, `não há job "abc": ele nunca existiu ou seu resultado expirou`},
		{"a message with no template", "a message with no template"},
	} {
		if got := detailInPT(tt.en); got != tt.pt {
			t.Errorf("detailInPT(%q) = %q, want %q", tt.en, got, tt.pt)
		}
	}
	if strings.Contains(detailInPT("name 'x' is not defined"), "defined") {
		t.Error("name errors are not translated")
	}
}

// TestOpenAPIPTTemplatesUsed checks that every template of openapiPT
// translates some text of the English document, so a reworded English
// text cannot leave a dead translation behind.
func TestOpenAPIPTTemplatesUsed(t *testing.T) {
	en := mustOpenAPI(DefaultMaxBodyBytes)
	var doc any
	if err := json.Unmarshal(en, &doc); err != nil {
		t.Fatal(err)
	}
	var texts []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "summary" || k == "description") {
					texts = append(texts, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	for _, d := range openapiPT {
		used := false
		for _, s := range texts {
			if d.re.MatchString(s) {
				used = true
				break
			}
		}
		if !used {
			t.Errorf("openapiPT template %s matches no summary or description of the document", d.re)
		}
	}
}
