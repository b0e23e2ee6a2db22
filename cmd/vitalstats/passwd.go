package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"vitalstats/dashboards"
)

// runPasswd prints what a [[serve.users]] entry holds: the hash of a
// password read from standard input, or (-token) a new bearer token and its
// hash. Only hashes go into the config.
func runPasswd(ctx context.Context, e *env, args []string) error {
	fs := newFlags("passwd")
	token := fs.Bool("token", false, "make a random bearer token instead, and print it with its hash")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *token {
		t, h, err := dashboards.NewToken()
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "# give the token to its user; keep only the hash in the config\n# token: %s\ntoken = %q\n", t, h)
		return nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	pass := strings.TrimRight(line, "\r\n")
	if err != nil && pass == "" {
		return errors.New("passwd: give the password on standard input")
	}
	if len(pass) < 10 {
		return errors.New("passwd: a password needs at least 10 characters")
	}
	h, err := dashboards.HashPassword(pass)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password = %q\n", h)
	return nil
}
