package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/viper"
)

// Both app manifests declare what Smed uses: the command, the shortcut whose
// callback_id the interaction router knows, the events it routes, the scopes
// its Web API calls need, and (HTTP) every request URL.
func TestManifestsDeclareWhatSmedUses(t *testing.T) {
	for _, file := range []string{"../../slack-manifest.yaml", "../../slack-manifest-http.yaml"} {
		v := viper.New()
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		scopes := v.GetStringSlice("oauth_config.scopes.bot")
		for _, s := range []string{"commands", "chat:write", "chat:write.public", "channels:join", "channels:history",
			"groups:history", "im:write", "users:read", "users:read.email"} {
			if !slices.Contains(scopes, s) {
				t.Errorf("%s: scope %s missing", file, s)
			}
		}
		events := v.GetStringSlice("settings.event_subscriptions.bot_events")
		for _, e := range []string{"app_home_opened", "message.channels", "message.groups"} {
			if !slices.Contains(events, e) {
				t.Errorf("%s: event %s missing", file, e)
			}
		}
		if !v.GetBool("features.app_home.home_tab_enabled") {
			t.Errorf("%s: App Home is off", file)
		}
		var shortcuts []map[string]any
		if err := v.UnmarshalKey("features.shortcuts", &shortcuts); err != nil || len(shortcuts) != 1 ||
			shortcuts[0]["callback_id"] != "save_customer_note" || shortcuts[0]["type"] != "message" {
			t.Errorf("%s: shortcuts = %v, want the message shortcut save_customer_note", file, shortcuts)
		}
		var cmds []map[string]any
		if err := v.UnmarshalKey("features.slash_commands", &cmds); err != nil || len(cmds) != 1 || cmds[0]["command"] != "/customer" || cmds[0]["should_escape"] != true {
			t.Errorf("%s: slash commands = %v", file, cmds)
		}
		socket := v.GetBool("settings.socket_mode_enabled")
		if file == "../../slack-manifest.yaml" != socket {
			t.Errorf("%s: socket_mode_enabled = %v", file, socket)
		}
		if !socket {
			for key, want := range map[string]string{
				"settings.event_subscriptions.request_url":        "/slack/events",
				"settings.interactivity.request_url":              "/slack/interactions",
				"settings.interactivity.message_menu_options_url": "/slack/interactions",
			} {
				if got := v.GetString(key); len(got) < len(want) || got[len(got)-len(want):] != want {
					t.Errorf("%s: %s = %q, want …%s", file, key, got, want)
				}
			}
			if u, _ := cmds[0]["url"].(string); len(u) < 15 || u[len(u)-15:] != "/slack/commands" {
				t.Errorf("%s: the command's url = %q", file, u)
			}
		}
	}
}

// No Docker engine runs here, so the container files are checked as text:
// Redis keeps an append-only file and never evicts, the image runs as
// nonroot and checks its health with smed healthcheck.
func TestContainerFiles(t *testing.T) {
	v := viper.New()
	v.SetConfigFile("../../compose.yaml")
	if err := v.ReadInConfig(); err != nil {
		t.Fatal(err)
	}
	cmd := v.GetStringSlice("services.redis.command")
	for _, pair := range [][2]string{{"--appendonly", "yes"}, {"--maxmemory-policy", "noeviction"}} {
		i := slices.Index(cmd, pair[0])
		if i < 0 || i+1 >= len(cmd) || cmd[i+1] != pair[1] {
			t.Errorf("compose.yaml: redis command %v lacks %s %s", cmd, pair[0], pair[1])
		}
	}
	if v.GetString("services.smed.environment.SMED_LOG_FORMAT") != "json" {
		t.Error("compose.yaml: smed does not log JSON")
	}
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "USER nonroot", `HEALTHCHECK`, `"smed", "healthcheck"`, "./cmd/smed"} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
