//go:build !linux

package main

import (
	"context"
	"time"
)

// newPacer is a timer elsewhere; see pace_linux.go for why Linux has better.
func newPacer() (func(context.Context, time.Time), func()) { return sleepUntil, func() {} }
