package cache

import (
	"testing"

	"abaco"
)

func TestEntryEncoding(t *testing.T) {
	tests := []struct {
		name string
		e    Entry
		text string
	}{
		{"int", Entry{Value: "4", Kind: abaco.KindInt}, "4"},
		{"negative int", Entry{Value: "-12345678901234567890", Kind: abaco.KindInt}, "-12345678901234567890"},
		{"float", Entry{Value: "0.5", Kind: abaco.KindFloat}, "0.5"},
		{"float exponent", Entry{Value: "1e+16", Kind: abaco.KindFloat}, "1e+16"},
		{"float negative exponent", Entry{Value: "-1.5e-07", Kind: abaco.KindFloat}, "-1.5e-07"},
		{"inf", Entry{Value: "inf", Kind: abaco.KindFloat}, "inf"},
		{"-inf", Entry{Value: "-inf", Kind: abaco.KindFloat}, "-inf"},
		{"nan", Entry{Value: "nan", Kind: abaco.KindFloat}, "nan"},
		{"bool", Entry{Value: "True", Kind: abaco.KindBool}, "True"},
		{"error", Entry{Err: &abaco.Error{Code: abaco.CodeDivisionByZero, Message: "division by zero"}},
			"error:division_by_zero:division by zero"},
		{"error with colons", Entry{Err: &abaco.Error{Code: abaco.CodeName, Message: "a: b: c"}},
			"error:name:a: b: c"},
		{"syntax error with column", Entry{Err: &abaco.Error{Code: abaco.CodeSyntax, Message: "unexpected ')'", Column: 4}},
			"error:syntax@4:unexpected ')'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(encode(tt.e)); got != tt.text {
				t.Fatalf("encode = %q, want %q", got, tt.text)
			}
			got, err := decode([]byte(tt.text))
			if err != nil {
				t.Fatalf("decode(%q): %v", tt.text, err)
			}
			if got.Value != tt.e.Value || got.Kind != tt.e.Kind || (got.Err == nil) != (tt.e.Err == nil) ||
				(got.Err != nil && *got.Err != *tt.e.Err) {
				t.Fatalf("decode(%q) = %+v, want %+v", tt.text, got, tt.e)
			}
		})
	}
}

func TestDecodeRejectsForeignValues(t *testing.T) {
	tests := []struct{ name, text string }{
		{"empty", ""},
		{"minus", "-"},
		{"word", "hello"},
		{"tutorial error string", "Erro na expressão informada: division by zero"},
		{"error without message", "error:division_by_zero"},
		{"limit is never cached", "error:limit:too big"},
		{"unknown code", "error:internal:boom"},
		{"bad column", "error:syntax@x:bad"},
		{"zero column", "error:syntax@0:bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if e, err := decode([]byte(tt.text)); err == nil {
				t.Fatalf("decode(%q) = %+v, want an error", tt.text, e)
			}
		})
	}
}
