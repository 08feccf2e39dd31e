package main

// End-to-end tests: the real smed binary, built once in TestMain, driven the
// way Slack (signed HTTP requests to `smed run`) and an operator (one-shot
// commands) drive it, against a real redis-server (internal/redistest) and a
// fake Slack Web API (internal/slacktest). They assert on what a user would
// see: reply texts, DMs, channel posts, exit statuses.
//
// Isolation: every test has its own Slack team ID (all of a team's keys are
// namespaced by it), its own fake Slack and its own empty working directory, so
// the tests run in parallel against one shared redis-server. Processes get a
// clean environment: PATH and HOME plus the SMED_* variables set here, never
// the developer's, as ../../shared/CONTRACT-CHECK.md does.
//
// Run: go test ./cmd/smed/ -run E2E -count=1 -race

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/smedhq/smed/internal/redistest"
	"github.com/smedhq/smed/internal/slacktest"
	"github.com/smedhq/smed/storage"
)

// The binary under test, built once per test binary.
var (
	smedBin  string
	buildErr error
	teamSeq  atomic.Int64
)

func TestMain(m *testing.M) {
	smedBin, buildErr = buildSmed()
	redistest.Main(m)
}

// buildSmed builds ./cmd/smed into a directory named after this process.
// redistest.Main exits the process, so instead of removing the directory at
// the end, directories of test processes that are gone are removed here.
func buildSmed() (string, error) {
	sweepBuilds()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("smed-e2e-%d", os.Getpid()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "smed")
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gotool); err != nil {
		gotool = "go"
	}
	cmd := exec.Command(gotool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/smed: %v\n%s", err, out)
	}
	return bin, nil
}

func sweepBuilds() {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "smed-e2e-*"))
	for _, d := range old {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "smed-e2e-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) != nil { // that test process is gone
			os.RemoveAll(d)
		}
	}
}

// Users of the tests. U0BOSS and U0ADMIN are admins (SMED_ADMINS).
const (
	alice  = "U0ALICE"
	bob    = "U0BOB"
	carol  = "U0CAROL"
	boss   = "U0BOSS"
	digest = "C0DIGEST"
)

// e2e is one test's world: a fake Slack, a team, an environment, and (after
// start) a running `smed run`.
type e2e struct {
	t      *testing.T
	slack  *slacktest.Server
	team   string
	secret string
	dir    string            // working directory of every smed process
	env    map[string]string // SMED_* variables

	base    string // http://addr of smed run, once started
	logPath string
	proc    *os.Process
	exited  chan struct{} // closed when smed run exited
	exitErr error         // set before exited is closed
	stopped bool          // the test ended smed run itself

	seq atomic.Int64 // response_url and trigger IDs
}

// newE2E sets up a world for t; opts may change the environment before
// anything starts.
func newE2E(t *testing.T, opts ...func(h *e2e)) *e2e {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	h := &e2e{t: t, slack: slacktest.New(t), dir: t.TempDir(), secret: randomHex(16)}
	h.team = fmt.Sprintf("TE%sX%d", strings.ToUpper(strconv.FormatInt(int64(os.Getpid()), 36)), teamSeq.Add(1))
	h.slack.SetTeam(h.team)
	for _, u := range []string{alice, bob, carol, boss, "U0ADMIN"} {
		h.slack.AddUser(u, strings.ToLower(strings.TrimPrefix(u, "U0")))
	}
	h.env = map[string]string{
		"SMED_SLACK_BOT_TOKEN":      slacktest.Token,
		"SMED_SLACK_SIGNING_SECRET": h.secret,
		"SMED_SLACK_API_URL":        h.slack.APIURL(),
		"SMED_SLACK_TEAM_ID":        h.team,
		"SMED_REDIS_URL":            redistest.URL(t),
		"SMED_HTTP_ADDR":            "127.0.0.1:" + strconv.Itoa(freePort(t)),
		"SMED_REMINDERS_SCHEDULE":   "0 0 1 1 *", // never fires during a test
		"SMED_DIGEST_SCHEDULE":      "0 0 1 1 *",
		"SMED_REMINDERS_TIMEZONE":   "UTC",
		"SMED_DIGEST_CHANNEL":       digest,
		"SMED_ADMINS":               "U0BOSS,U0ADMIN",
	}
	for _, o := range opts {
		o(h)
	}
	return h
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// environ is the process environment: PATH and HOME, plus SMED_* from env
// with over applied ("" removes a variable).
func (h *e2e) environ(over map[string]string) []string {
	vars := map[string]string{}
	for k, v := range h.env {
		vars[k] = v
	}
	for k, v := range over {
		vars[k] = v
	}
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// start runs `smed run` and waits (at most 20 s) until GET /healthz answers.
// The process is stopped when the test ends; it must not exit before.
func (h *e2e) start() {
	h.t.Helper()
	for attempt := 0; ; attempt++ {
		err := h.tryStart()
		if err == nil {
			return
		}
		// The free port may have been taken between probe and bind.
		if attempt < 2 && strings.Contains(h.log(), "address already in use") {
			h.env["SMED_HTTP_ADDR"] = "127.0.0.1:" + strconv.Itoa(freePort(h.t))
			continue
		}
		h.t.Fatalf("smed run did not come up: %v\n--- smed log ---\n%s", err, h.log())
	}
}

func (h *e2e) tryStart() error {
	h.logPath = filepath.Join(h.t.TempDir(), "smed-run.log")
	logf, err := os.Create(h.logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(smedBin, "run")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = h.dir, h.environ(nil), logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	exited := make(chan struct{})
	go func() {
		h.exitErr = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	h.proc, h.exited = cmd.Process, exited
	h.base = "http://" + h.env["SMED_HTTP_ADDR"]
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("smed run exited at start: %v", h.exitErr)
		default:
		}
		if resp, err := http.Get(h.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				h.t.Cleanup(h.stop)
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	return errors.New("GET /healthz did not answer 200 within 20s")
}

// stop ends smed run at the end of the test, failing the test when it had
// already exited, and shows its log when the test failed.
func (h *e2e) stop() {
	select {
	case <-h.exited:
		if !h.stopped {
			h.t.Errorf("smed run exited during the test: %v", h.exitErr)
		}
	default:
		h.proc.Signal(syscall.SIGTERM)
		select {
		case <-h.exited:
		case <-time.After(5 * time.Second):
			h.proc.Kill()
			<-h.exited
		}
	}
	if h.t.Failed() {
		h.t.Logf("--- smed run log (%s) ---\n%s", h.logPath, tail(h.log(), 8000))
	}
}

func (h *e2e) log() string {
	b, _ := os.ReadFile(h.logPath)
	return string(b)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// result is what a one-shot command did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s", r.code, tail(r.stdout, 6000), tail(r.stderr, 4000))
}

// smed runs a one-shot command (remind, digest, import, …) in the test's
// environment with over applied, stdin as input, for at most 45 s.
func (h *e2e) smed(over map[string]string, stdin string, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, smedBin, args...)
	var out, errb bytes.Buffer
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = h.dir, h.environ(over), &out, &errb
	cmd.Stdin = strings.NewReader(stdin)
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		h.t.Fatalf("smed %s did not finish within 45s\n%s", strings.Join(args, " "), r)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		h.t.Fatalf("smed %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustRun runs a one-shot command that must exit 0.
func (h *e2e) mustRun(args ...string) result {
	h.t.Helper()
	r := h.smed(nil, "", args...)
	if r.code != 0 {
		h.t.Fatalf("smed %s: want exit 0\n%s", strings.Join(args, " "), r)
	}
	return r
}

// sign adds Slack's v0 signature of body at ts with secret.
func sign(req *http.Request, secret string, ts int64, body string) {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

// post sends body to path of smed run, signed as Slack signs it unless
// signed is nil, which can change how (secret, timestamp).
func (h *e2e) post(path, contentType, body string, signer func(req *http.Request, body string)) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.base+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	if signer != nil {
		signer(req, body)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// tryPost posts a signed form to path and returns the status and body, or
// the error when no answer came (the server is gone).
func (h *e2e) tryPost(path, form string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, h.base+path, strings.NewReader(form))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.signed(req, form)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// signed signs with the test's secret, now.
func (h *e2e) signed(req *http.Request, body string) { sign(req, h.secret, time.Now().Unix(), body) }

// reply is what a slash command's user saw.
type reply struct {
	status  int
	body    string        // the HTTP answer
	text    string        // its text and every block text, or the response_url post's
	blocks  string        // the raw blocks of what was shown (JSON)
	elapsed time.Duration // until the HTTP answer
	holding bool          // the HTTP answer was a holding message
}

func (r reply) String() string {
	return fmt.Sprintf("HTTP %d in %v: %s", r.status, r.elapsed.Round(time.Millisecond), r.text)
}

// slashForm is a /customer command as Slack posts it.
func (h *e2e) slashForm(team, user, text, responseID string) string {
	return url.Values{
		"token":                 {"legacy-verification-token"},
		"team_id":               {team},
		"team_domain":           {"e2e"},
		"channel_id":            {"C0E2E"},
		"channel_name":          {"general"},
		"user_id":               {user},
		"user_name":             {strings.ToLower(strings.TrimPrefix(user, "U0"))},
		"command":               {"/customer"},
		"text":                  {text},
		"api_app_id":            {"A0SMED"},
		"is_enterprise_install": {"false"},
		"response_url":          {h.slack.ResponseURL(responseID)},
		"trigger_id":            {fmt.Sprintf("%d.%d.trigger", time.Now().Unix(), h.seq.Add(1))},
	}.Encode()
}

// cmd sends `/customer text` as user of the test's team and returns what the
// user saw: the answer, or after a holding answer the response_url post.
func (h *e2e) cmd(user, text string) reply {
	h.t.Helper()
	return h.cmdFrom(h.team, user, text)
}

func (h *e2e) cmdFrom(team, user, text string) reply {
	h.t.Helper()
	id := fmt.Sprintf("r%d", h.seq.Add(1))
	form := h.slashForm(team, user, text, id)
	start := time.Now()
	resp, body := h.post("/slack/commands", "application/x-www-form-urlencoded", form, h.signed)
	r := reply{status: resp.StatusCode, body: body, elapsed: time.Since(start)}
	r.text, r.blocks = shown(resp.Header.Get("Content-Type"), body)
	if r.status == http.StatusOK && (strings.TrimSpace(body) == "" || isHolding(r.text)) {
		r.holding = true
		if !h.slack.WaitFor(10*time.Second, func() bool { return len(h.slack.Responses(id)) > 0 }) {
			h.t.Fatalf("/customer %s: holding answer %q and no response_url post within 10s", clipText(text), r.text)
		}
		c := h.slack.Responses(id)[0]
		r.text, r.blocks = c.Text(), c.Params.Get("blocks")
	}
	return r
}

var holdingRE = regexp.MustCompile(`(?i)working on it|one moment|hourglass`)

func isHolding(text string) bool { return holdingRE.MatchString(text) && len(text) < 200 }

// shown is what Slack shows of a JSON message body: text plus block texts.
func shown(contentType, body string) (text, blocks string) {
	var msg map[string]any
	if !strings.Contains(contentType, "json") || json.Unmarshal([]byte(body), &msg) != nil {
		return body, ""
	}
	var parts []string
	if t, ok := msg["text"].(string); ok {
		parts = append(parts, t)
	}
	for _, k := range []string{"blocks", "attachments"} {
		if v, ok := msg[k]; ok {
			parts = append(parts, slacktest.Texts(v)...)
		}
	}
	if b, ok := msg["blocks"]; ok {
		raw, _ := json.Marshal(b)
		blocks = string(raw)
	}
	return strings.Join(parts, "\n"), blocks
}

// internalRE matches what a user must never see: stack traces, Go errors,
// Redis or Slack internals.
var internalRE = regexp.MustCompile(`panic:|goroutine \d|\.go:\d|runtime error|(?i:\bredis: |\bERR |WRONGTYPE|nil pointer|dial tcp|connection refused|storage: |slack: |i/o timeout|context deadline)`)

// say sends a command that must answer 200 in time with nothing internal
// showing, and returns the text the user saw.
func (h *e2e) say(user, text string) string {
	h.t.Helper()
	r := h.cmd(user, text)
	h.checkReply(text, r)
	return r.text
}

func (h *e2e) checkReply(text string, r reply) {
	h.t.Helper()
	if r.status != http.StatusOK {
		h.t.Fatalf("/customer %s: %v", clipText(text), r)
	}
	if r.elapsed > 3*time.Second {
		h.t.Errorf("/customer %s: answered in %v, over Slack's 3 s", clipText(text), r.elapsed)
	}
	if m := internalRE.FindString(r.text); m != "" {
		h.t.Errorf("/customer %s: the answer shows internals (%q): %s", clipText(text), m, clipText(r.text))
	}
	if strings.TrimSpace(r.text) == "" {
		h.t.Errorf("/customer %s: empty answer", clipText(text))
	}
}

func clipText(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

// errorRE: what reads as an error or a refusal to a user (CONTRACT-CHECK.md).
var errorRE = regexp.MustCompile(`(?i)(error|unavailable|could ?n[o'’]t|can[o'’]?t|failed|try again|invalid|unknown|not found|did you mean|usage|don[o'’]?t know|too long|at most|only they|never closed|not valid|saved nothing)`)

// contains fails the test unless got holds every want (case-insensitively).
func contains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
			t.Errorf("%s: want %q in:\n%s", what, w, clipText(got))
		}
	}
}

// lacks fails the test when got holds any of bad.
func lacks(t *testing.T, what, got string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(strings.ToLower(got), strings.ToLower(b)) {
			t.Errorf("%s: did not want %q in:\n%s", what, b, clipText(got))
		}
	}
}

// unknown asserts that show does not know the customer: nothing was created.
func (h *e2e) unknown(name string) {
	h.t.Helper()
	got := h.say(alice, "show "+name)
	if !regexp.MustCompile(`(?i)don[’']t know|not found|no customer|unknown`).MatchString(got) {
		h.t.Errorf("show %s: want it unknown (nothing created), got:\n%s", name, clipText(got))
	}
}

// known asserts that show has a card for the customer, and returns it.
func (h *e2e) known(name string) string {
	h.t.Helper()
	got := h.say(alice, "show "+name)
	if regexp.MustCompile(`(?i)don[’']t know`).MatchString(got) {
		h.t.Fatalf("show %s: want a card, got:\n%s", name, clipText(got))
	}
	return got
}

// importCSV writes rows (after the header) to a file and runs smed import.
func (h *e2e) importCSV(rows ...string) result {
	h.t.Helper()
	path := filepath.Join(h.t.TempDir(), "customers.csv")
	data := "name,owner,value,cadence_days,last_contact,facts\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return h.smed(nil, "", "import", path)
}

// daysAgo is a CSV last_contact date n days before today (UTC).
func daysAgo(n int) string { return time.Now().UTC().AddDate(0, 0, -n).Format("2006-01-02") }

// parallel marks t parallel; the tests share one redis-server.
func parallel(t *testing.T) { t.Parallel() }

// store is a client of the test Redis through the store's own API, for
// tests that must look under the commands (or set up the past); it closes
// when the test ends.
func (h *e2e) store() *storage.Store {
	h.t.Helper()
	s, closeFn, err := storage.Open(context.Background(), storage.Conn{URL: h.env["SMED_REDIS_URL"], Mode: h.env["SMED_REDIS_MODE"], SentinelMaster: h.env["SMED_REDIS_SENTINEL_MASTER"]}, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { closeFn() })
	return s
}

// idOf is the ID of the customer with that name.
func (h *e2e) idOf(name string) string {
	h.t.Helper()
	ref, _, err := h.store().Resolve(context.Background(), h.team, []string{name})
	if err != nil {
		h.t.Fatalf("resolve %q: %v", name, err)
	}
	return ref.ID
}
