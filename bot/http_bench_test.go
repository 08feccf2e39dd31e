package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/internal/redistest"
	"github.com/smedhq/smed/storage"
)

// signedCommand is a slash command request signed as Slack signs it.
func signedCommand(secret, team, text string) *http.Request {
	form := url.Values{"command": {"/customer"}, "text": {text}, "team_id": {team}, "user_id": {"U1"}}
	body := form.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

// BenchmarkSlashNote is a whole signed /customer note on a known customer:
// verification, parsing, one Redis round trip, rendering. Compare it with
// BenchmarkRedisPing, one bare round trip, measured in the same run.
func BenchmarkSlashNote(b *testing.B) {
	opt, err := redis.ParseURL(redistest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	store := storage.New(rdb, storage.WithPrefix(redistest.Prefix(b)))
	svc := app.New(app.Config{Store: store})
	bot := New(context.Background(), Config{Commands: NewCommands(CommandsConfig{Service: svc}), Service: svc, SigningSecret: "s"})
	h := bot.Verify(bot.HandleCommands())
	h.ServeHTTP(httptest.NewRecorder(), signedCommand("s", "TBENCH", `note "Acme Corp" first`))
	b.Run("RedisPing", func(b *testing.B) {
		for b.Loop() {
			if err := rdb.Ping(context.Background()).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Note", func(b *testing.B) {
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signedCommand("s", "TBENCH", "note Acme Corp called Bo about the renewal"))
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Noted on") {
				b.Fatalf("%d %s", w.Code, w.Body.String())
			}
		}
	})
}
