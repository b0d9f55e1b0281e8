// Package tests holds black-box integration tests: real PostGIS, real
// HTTP servers, several replicas on one database.
package tests

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"yizhan/api"
	"yizhan/data/catalog"
	"yizhan/data/postgis"
	"yizhan/data/postgis/pgtest"
	"yizhan/tests/wait"
)

const token = "integration-token-0123456789"

// freshDatabase creates a migrated database for one test and drops it at
// cleanup; it skips (or fails with REQUIRE_POSTGIS=1) without
// YIZHAN_TEST_DATABASE_URL. It returns the database's URL.
func freshDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	u := pgtest.Database(t)
	db, err := postgis.Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return u
}

// server is one running replica: its own pool, follower, catalog and
// HTTP listener.
type server struct {
	url      string
	db       *postgis.DB
	follower *postgis.Follower
}

func startServer(t *testing.T, dbURL string) *server {
	t.Helper()
	return startSplitServer(t, dbURL, "")
}

// startSplitServer is a replica that reads (and follows) readURL and, with
// writeURL, writes to writeURL and listens for changes there, as
// "serve --database-url readURL --write-database-url writeURL" does.
func startSplitServer(t *testing.T, readURL, writeURL string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	db, err := postgis.Open(ctx, readURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewCatalog(catalog.NewSnapshot(nil, 0))
	f := postgis.NewFollower(db, cat, nil)
	store := db
	if writeURL != "" {
		if store, err = postgis.Open(ctx, writeURL, nil); err != nil {
			t.Fatal(err)
		}
		f.ListenOn(store)
	}
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()
	srv, err := api.New(api.Config{Catalog: cat, Store: store, Health: f, WriteTokens: []string{token}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() {
		_ = srv.App().ShutdownWithTimeout(5 * time.Second)
		cancel()
		<-done
		db.Close()
		store.Close()
	})
	return &server{url: "http://" + ln.Addr().String(), db: db, follower: f}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

var client = &http.Client{Timeout: 10 * time.Second}

func call(t *testing.T, method, u, ifMatch, body string) (reply, error) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	if method != http.MethodGet {
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, err
	}
	r := reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r, nil
}

func mustCall(t *testing.T, method, u, ifMatch, body string) reply {
	t.Helper()
	r, err := call(t, method, u, ifMatch, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return r
}

// eventually waits for cond for up to d (wait.For) and returns how long it took.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	return wait.For(t, d, what, cond)
}

// proxy is a TCP proxy to PostgreSQL that a test can cut (closing every
// connection and refusing new ones) and restore, to play a database that
// goes away and comes back, or freeze (accepting connections and bytes but
// forwarding nothing) and thaw, to play a database that hangs.
type proxy struct {
	addr     string
	upstream string

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	frozen chan struct{} // non-nil while frozen; closed by thaw
}

func newProxy(t *testing.T, upstream string) *proxy {
	t.Helper()
	p := &proxy{upstream: upstream, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", p.upstream, 3*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go p.pipe(up, c)
			go p.pipe(c, up)
		}
	}()
}

// pipe copies src to dst, holding the bytes while the proxy is frozen.
func (p *proxy) pipe(dst, src net.Conn) {
	defer func() { dst.Close(); src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.frozen
			p.mu.Unlock()
			if gate != nil {
				<-gate
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze stops forwarding bytes, in both directions, until thaw.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen == nil {
		p.frozen = make(chan struct{})
	}
}

// thaw forwards the held bytes and resumes forwarding.
func (p *proxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen != nil {
		close(p.frozen)
		p.frozen = nil
	}
}

// cut closes the listener and every proxied connection.
func (p *proxy) cut() {
	p.thaw()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// restore listens on the same address again.
func (p *proxy) restore(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("proxy relisten on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// viaProxy rewrites dbURL to connect through p.
func viaProxy(t *testing.T, dbURL string, p *proxy) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.addr
	return u.String()
}

// upstreamAddr is the host:port of dbURL.
func upstreamAddr(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	host := u.Host
	if !strings.Contains(host, ":") {
		host += ":5432"
	}
	if host == "" || strings.HasPrefix(host, ":") {
		t.Skip("SKIPPED: the proxy test needs a host:port database URL")
	}
	return host
}
