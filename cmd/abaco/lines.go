package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
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

// oneLine returns s as it is when it is printable UTF-8, and quoted as
// strconv.Quote does otherwise, so that a payload or a reason holding a
// newline, a carriage return or an escape sequence prints as one line and
// cannot forge another line or drive the terminal.
func oneLine(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
