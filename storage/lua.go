package storage

import "github.com/redis/go-redis/v9"

// luaSource is one of the store's scripts as Redis runs it.
type luaSource struct{ name, src string }

// luaSources are every script the store runs, for the test that reads them
// without running them (lua_test.go: every name a script reads is defined)
// and for bench/replay (ScriptNames, ScriptSource).
var luaSources []luaSource

// newScript is redis.NewScript, registered in luaSources.
func newScript(name, src string) *redis.Script {
	luaSources = append(luaSources, luaSource{name, src})
	return redis.NewScript(src)
}

// ScriptNames are the names of the store's scripts, in the order they are
// defined: for bench/replay, which measures a script's cost from a recording.
func ScriptNames() []string {
	out := make([]string, len(luaSources))
	for i, s := range luaSources {
		out[i] = s.name
	}
	return out
}

// ScriptSource is the Lua of the store's script called name, as Redis runs
// it, and whether there is one.
func ScriptSource(name string) (string, bool) {
	for _, s := range luaSources {
		if s.name == name {
			return s.src, true
		}
	}
	return "", false
}
