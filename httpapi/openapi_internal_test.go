package httpapi

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestProblemCodeEnum keeps the enum of Problem.code, which typed clients
// turn into constants, equal to the codes of the error table.
func TestProblemCodeEnum(t *testing.T) {
	f, _ := reflect.TypeFor[Problem]().FieldByName("Code")
	enum := strings.Split(f.Tag.Get("enum"), ",")
	var codes []string
	for c := range problemKinds {
		codes = append(codes, string(c))
	}
	slices.Sort(enum)
	slices.Sort(codes)
	if !slices.Equal(enum, codes) {
		t.Errorf("Problem.code enum %v, want the codes of problemKinds %v", enum, codes)
	}
}
