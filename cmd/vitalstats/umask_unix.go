//go:build unix

package main

import "syscall"

// The data directory holds names, identity numbers, the site secret and
// the admin's password hash: whatever any command creates there (lake,
// warehouse, file drops moved to done/, job history, releases, DuckDB's
// scratch files) is for the account that runs vitalstats only, folders 0700
// and files 0600, whatever the shell's umask. Set before main runs, so that
// no command, and no library writing files for it (DuckDB, PostgreSQL's
// tools), creates anything first; the tests of this package run under it too.
func init() {
	syscall.Umask(0o077)
}
