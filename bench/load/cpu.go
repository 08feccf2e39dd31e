package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// userHZ is the unit of utime and stime in /proc/<pid>/stat. The kernel
// reports them in USER_HZ, which is 100 on every Linux architecture Go runs
// on (sysconf(_SC_CLK_TCK)); a tick is 10 ms, so a window of a few seconds
// at thousands of requests per second is exact to well under 1 %.
const userHZ = 100

// cpuTime is the user+system CPU a process (all its threads) has used, read
// from /proc/<pid>/stat ("self" for this process).
func cpuTime(pid string) (time.Duration, error) {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, fmt.Errorf("cpu of pid %s: %w", pid, err)
	}
	return parseStat(raw)
}

// parseStat reads utime and stime (fields 14 and 15) from a /proc/<pid>/stat
// line. The command name (field 2) is in parentheses and may hold spaces and
// parentheses itself, so fields are counted after the last ')'.
func parseStat(raw []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("cpu: malformed stat line")
	}
	f := bytes.Fields(raw[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("cpu: short stat line")
	}
	ut, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	st, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("cpu: bad utime/stime in stat line")
	}
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// cpuMeter measures the CPU some processes use over a window.
type cpuMeter struct {
	pids  map[string]string // role → pid ("server", "redis", "loadgen")
	start map[string]time.Duration
}

func newCPUMeter(pids map[string]string) (*cpuMeter, error) {
	m := &cpuMeter{pids: pids, start: map[string]time.Duration{}}
	for role, pid := range pids {
		t, err := cpuTime(pid)
		if err != nil {
			return nil, fmt.Errorf("-%s-pid: %w", role, err)
		}
		m.start[role] = t
	}
	return m, nil
}

// used is the CPU each process used since newCPUMeter.
func (m *cpuMeter) used() (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for role, pid := range m.pids {
		t, err := cpuTime(pid)
		if err != nil {
			return nil, err
		}
		out[role] = t - m.start[role]
	}
	return out, nil
}
