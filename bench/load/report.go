package main

import (
	"fmt"
	"io"
	"math"
	"time"
)

// report is the JSON line: one run against one target.
type report struct {
	Label     string  `json:"label"`
	Mix       string  `json:"mix"`
	Mode      string  `json:"mode"` // closed or open
	Conns     int     `json:"c"`
	Rate      float64 `json:"rate,omitempty"` // open loop: intended requests/s
	Customers uint64  `json:"customers"`
	Warmup    float64 `json:"warmup_s"`
	Duration  float64 `json:"duration_s"`

	Requests int     `json:"requests"` // answered in the window (any answer)
	RPS      float64 `json:"rps"`      // Requests / Duration

	OK         int    `json:"ok"`      // plain success (includes Created)
	Created    int    `json:"created"` // the answer said a customer was created
	Holding    int    `json:"holding"` // "Working on it…": a slow answer
	Over3s     int    `json:"over_3s"` // answered after Slack's 3 s
	ErrorReply int    `json:"error_reply"`
	NearMiss   int    `json:"did_you_mean"`
	BadStatus  int    `json:"bad_status"`
	Transport  int    `json:"transport_error"`
	Unfinished int    `json:"unfinished"` // open loop: not answered by the end
	Errors     int    `json:"errors"`     // ErrorReply + NearMiss + BadStatus + Transport + Unfinished
	FirstError string `json:"first_error,omitempty"`

	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
	// SendLagP99: open loop, how late the 99th percentile request left
	// compared with its slot (generator or pool saturation; already part of
	// the latencies above).
	SendLagP99 float64 `json:"send_lag_p99_ms,omitempty"`

	ServerCPU     float64 `json:"server_cpu_s,omitempty"`
	RedisCPU      float64 `json:"redis_cpu_s,omitempty"`
	LoadgenCPU    float64 `json:"loadgen_cpu_s"`
	ServerCPUReq  float64 `json:"server_cpu_us_per_req,omitempty"`
	RedisCPUReq   float64 `json:"redis_cpu_us_per_req,omitempty"`
	LoadgenCPUReq float64 `json:"loadgen_cpu_us_per_req"`

	// GeneratorBound: the generator was busy more than 90 % of its cores
	// during the window, so the figures may be its limit, not the server's.
	GeneratorBound bool `json:"generator_bound,omitempty"`

	SetupSeconds float64 `json:"setup_s"`
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func newReport(o options, rec *recorder, used map[string]time.Duration, firstErr string) report {
	r := report{
		Label: o.label, Mix: o.mixName, Mode: "closed", Conns: o.c, Customers: o.customers,
		Warmup: o.warmup.Seconds(), Duration: o.duration.Seconds(), FirstError: firstErr,
	}
	if o.rate > 0 {
		r.Mode, r.Rate = "open", o.rate
	}
	c := rec.counts
	r.Created = c[created]
	r.OK = c[okReply] + c[created]
	r.Holding = c[holding]
	r.ErrorReply, r.NearMiss, r.BadStatus = c[errorReply], c[nearMiss], c[badStatus]
	r.Transport, r.Unfinished = c[failed], c[unsent]
	r.Errors = r.ErrorReply + r.NearMiss + r.BadStatus + r.Transport + r.Unfinished
	r.Over3s = rec.over3s
	r.Requests = len(rec.lat) - r.Unfinished
	r.RPS = float64(r.Requests) / o.duration.Seconds()

	s := summarise(rec.lat)
	r.P50, r.P90, r.P99, r.P999, r.Max, r.Mean = ms(s.P50), ms(s.P90), ms(s.P99), ms(s.P999), ms(s.Max), ms(s.Mean)
	if len(rec.sendLag) > 0 {
		r.SendLagP99 = ms(summarise(rec.sendLag).P99)
	}
	perReq := func(d time.Duration) float64 {
		if r.Requests == 0 {
			return 0
		}
		return float64(d.Microseconds()) / float64(r.Requests)
	}
	r.ServerCPU, r.ServerCPUReq = used["server"].Seconds(), round1(perReq(used["server"]))
	r.RedisCPU, r.RedisCPUReq = used["redis"].Seconds(), round1(perReq(used["redis"]))
	r.LoadgenCPU, r.LoadgenCPUReq = used["loadgen"].Seconds(), round1(perReq(used["loadgen"]))
	r.RPS = round1(r.RPS)
	r.GeneratorBound = used["loadgen"].Seconds() > 0.9*o.duration.Seconds()*float64(o.procs)
	return r
}

func printHuman(w io.Writer, r report) {
	mode := fmt.Sprintf("closed loop, c=%d", r.Conns)
	if r.Mode == "open" {
		mode = fmt.Sprintf("open loop at %.0f/s, up to %d in flight", r.Rate, r.Conns)
	}
	fmt.Fprintf(w, "%s · mix %s (%d customers first) · %s · %.1fs measured after %.1fs warm-up\n",
		orDash(r.Label), r.Mix, r.Customers, mode, r.Duration, r.Warmup)
	fmt.Fprintf(w, "  throughput   %10.0f req/s   (%d answered, %d created, %d holding, %d over 3 s)\n",
		r.RPS, r.Requests, r.Created, r.Holding, r.Over3s)
	fmt.Fprintf(w, "  latency ms   p50 %.3f   p90 %.3f   p99 %.3f   p99.9 %.3f   max %.3f\n", r.P50, r.P90, r.P99, r.P999, r.Max)
	if r.Mode == "open" {
		fmt.Fprintf(w, "               (from each request's intended send time; p99 send lag %.3f ms)\n", r.SendLagP99)
	}
	fmt.Fprintf(w, "  errors       %d   (error replies %d, did you mean %d, non-200 %d, transport %d, unfinished %d)\n",
		r.Errors, r.ErrorReply, r.NearMiss, r.BadStatus, r.Transport, r.Unfinished)
	if r.FirstError != "" {
		fmt.Fprintf(w, "               first: %s\n", r.FirstError)
	}
	fmt.Fprintf(w, "  CPU µs/req   server %.1f   redis %.1f   load generator %.1f\n", r.ServerCPUReq, r.RedisCPUReq, r.LoadgenCPUReq)
	if r.GeneratorBound {
		fmt.Fprintf(w, "  WARNING      the load generator was busy %.0f%% of the window: these figures may be its limit (raise -procs)\n",
			100*r.LoadgenCPU/r.Duration)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
