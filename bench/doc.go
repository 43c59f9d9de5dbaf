// Package bench holds abaco's side-by-side benchmarks against other
// libraries. It is its own module so that those libraries never become
// dependencies of abaco itself. Results and the commands that produced them
// are recorded in ../docs/benchmarks.md.
package bench
