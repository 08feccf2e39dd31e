package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestSlackCallsByMethodAndResult(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/chat.postMessage"):
			_, _ = w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
		case strings.HasSuffix(r.URL.Path, "/users.info"):
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer srv.Close()
	reg := prometheus.NewRegistry()
	c := newSlackCalls(reg, http.DefaultTransport)
	client := &http.Client{Transport: c}
	for _, m := range []string{"chat.postMessage", "users.info", "auth.test", "auth.test"} {
		resp, err := client.Post(srv.URL+"/api/"+m, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for labels, want := range map[[2]string]float64{
		{"chat.postMessage", "channel_not_found"}: 1, {"users.info", "http_429"}: 1, {"auth.test", "ok"}: 2,
	} {
		if got := testutil.ToFloat64(c.calls.WithLabelValues(labels[0], labels[1])); got != want {
			t.Errorf("%v = %v, want %v", labels, got, want)
		}
	}
}
