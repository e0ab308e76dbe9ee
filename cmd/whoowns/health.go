package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// runHealth checks a running serve on this host, for container health
// checks: the image has no shell or curl.
func runHealth(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "health", "health [--ready] [--addr 127.0.0.1:8080]")
	ready := fs.Bool("ready", false, "check /readyz (the store answers) instead of /healthz (the process answers)")
	addr := fs.String("addr", "", "address of the serve process (default: WHOOWNS_ADDR's port on 127.0.0.1)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("health takes no arguments; got %q", pos)
	}
	if *addr == "" {
		*addr = "127.0.0.1:8080"
		if v := strings.TrimSpace(e.getenv("WHOOWNS_ADDR")); v != "" {
			host, port, err := net.SplitHostPort(v)
			if err != nil {
				return usagef("WHOOWNS_ADDR=%q is not a listen address; give --addr", v)
			}
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "127.0.0.1"
			}
			*addr = net.JoinHostPort(host, port)
		}
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+*addr+path, nil)
	if err != nil {
		return usagef("--addr %q: %v", *addr, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", path, strings.TrimSpace(string(body)))
	return nil
}
