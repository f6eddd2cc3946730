// Command clipzy-ferretdb runs FerretDB 1.x (a MongoDB-protocol server) on its PostgreSQL or
// SQLite backend, through FerretDB's embeddable package, for Clipzy's tests and local
// distributed runs.
// Built by scripts/infra.mjs with `go build` at the version pinned in go.mod.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP listen address")
	dir := flag.String("sqlite-dir", "./data", "directory of the SQLite databases")
	pg := flag.String("postgresql-url", "", "PostgreSQL backend (e.g. postgres://user@127.0.0.1:5432/ferretdb) instead of SQLite")
	level := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintln(os.Stderr, "bad -log-level:", err)
		os.Exit(2)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	config := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/",
	}
	if *pg != "" {
		config.Handler = "postgresql"
		config.PostgreSQLURL = *pg
		config.SQLiteURL = ""
	}
	f, err := ferretdb.New(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// Logged once the listener is bound (MongoDBURI waits for it).
		logger.Warn("ready", "uri", f.MongoDBURI())
	}()
	if err := f.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
