// Package clients holds clients generated from abaco's OpenAPI document
// (httpapi/testdata/openapi.json) and the tests that drive a live server
// through them: abacoclient, by oapi-codegen, and a TypeScript program in
// ts/, by openapi-typescript and openapi-fetch. It is a module of its own
// so that the generators stay out of abaco's dependencies.
package clients
