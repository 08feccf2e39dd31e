//go:build !linux

package redistest

import "os/exec"

// dieWithParent: only Linux can tie a child's life to its parent; elsewhere
// Main's cleanup is all there is.
func dieWithParent(cmd *exec.Cmd) {}
