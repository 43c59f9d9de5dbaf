//go:build race

package main

// raceBuild says the tests run with -race: the abaco binary the process
// tests build is then built with -race too, which reuses the packages
// the test build compiled instead of compiling everything again.
const raceBuild = true
