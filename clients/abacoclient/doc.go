// The generated client keeps oapi-codegen's default settings, so that it
// is what any user of the document gets; client_test.go in the parent
// directory checks that regenerating it gives the same bytes.

//go:generate go tool oapi-codegen -generate types,client -package abacoclient -o client.gen.go ../../httpapi/testdata/openapi.json

package abacoclient
