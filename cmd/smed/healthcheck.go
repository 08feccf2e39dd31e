package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// cmdHealthcheck is `smed healthcheck [--url URL]`: it asks a running smed's
// GET /healthz (by default on http.addr at localhost) and exits 0 when it
// answers 200, 1 otherwise. Container images without a shell or curl use it
// as their HEALTHCHECK.
func cmdHealthcheck(ctx context.Context, args []string, e *env) error {
	fs := e.flags("healthcheck")
	target := fs.String("url", "", "the /healthz URL to ask (default: http://localhost<http.addr port>/healthz)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	url := *target
	if url == "" {
		cfg, err := loadConfig(e.config, e.getenv, needs{})
		if err != nil {
			return err
		}
		_, port, err := net.SplitHostPort(cfg.HTTP.Addr)
		if err != nil {
			return &usageErr{fmt.Sprintf("http.addr %q: %v", cfg.HTTP.Addr, err)}
		}
		url = "http://" + net.JoinHostPort("localhost", port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return &usageErr{fmt.Sprintf("--url: %v", err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}
