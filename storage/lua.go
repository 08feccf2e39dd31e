package storage

import "github.com/redis/go-redis/v9"

// luaSource is one of the store's scripts as Redis runs it.
type luaSource struct{ name, src string }

// luaSources are every script the store runs, for the test that reads them
// without running them (lua_test.go: every name a script reads is defined).
var luaSources []luaSource

// newScript is redis.NewScript, registered in luaSources.
func newScript(name, src string) *redis.Script {
	luaSources = append(luaSources, luaSource{name, src})
	return redis.NewScript(src)
}
