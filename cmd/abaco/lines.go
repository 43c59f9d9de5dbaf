package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
)

// eachLine calls fn for each line of r (without its line ending), lines
// of any length included, until EOF or ctx is done.
func eachLine(ctx context.Context, r io.Reader, fn func(string) error) error {
	br := bufio.NewReader(r)
	for ctx.Err() == nil {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			if ferr := fn(strings.TrimRight(line, "\r\n")); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}
