// Command smtpd runs the test SMTP server of package smtpd on its own, with an HTTP side port that
// serves what it took as JSON and switches outages (see smtpd.Server.Handler), for test suites
// that run it as a container. Every flag has an SMTPD_* environment variable; a flag wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/authd/authd/test/smtpd"
)

func main() {
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	smtpAddr := flag.String("smtp-addr", env("SMTPD_SMTP_ADDR", "127.0.0.1:2525"), "SMTP address to listen on (env SMTPD_SMTP_ADDR)")
	httpAddr := flag.String("http-addr", env("SMTPD_HTTP_ADDR", "127.0.0.1:8025"), "HTTP address of the messages API (env SMTPD_HTTP_ADDR)")
	mode := flag.String("tls", env("SMTPD_TLS", "none"), "none, starttls or implicit; the certificate is made at start and served at GET /ca.pem (env SMTPD_TLS)")
	hosts := flag.String("hostnames", env("SMTPD_HOSTNAMES", ""), "comma-separated names the certificate is valid for besides localhost; the first is the greeting's (env SMTPD_HOSTNAMES)")
	user := flag.String("user", env("SMTPD_USER", ""), "require AUTH PLAIN as this user (env SMTPD_USER)")
	pass := flag.String("password", env("SMTPD_PASSWORD", ""), "the password of -user (env SMTPD_PASSWORD)")
	down := flag.Bool("down", env("SMTPD_DOWN", "") == "true", "start in an outage (env SMTPD_DOWN=true)")
	flag.Parse()

	o := smtpd.Options{Addr: *smtpAddr, Username: *user, Password: *pass}
	if *hosts != "" {
		o.Hostnames = strings.Split(*hosts, ",")
	}
	switch *mode {
	case "none":
	case "starttls":
		o.STARTTLS = true
	case "implicit":
		o.ImplicitTLS = true
	default:
		log.Fatalf("smtpd: -tls %q: want none, starttls or implicit", *mode)
	}
	if (*user == "") != (*pass == "") {
		log.Fatal("smtpd: -user and -password go together")
	}
	s, err := smtpd.Listen(o)
	if err != nil {
		log.Fatal(err)
	}
	if *down {
		s.Down()
	}
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		log.Fatal(fmt.Errorf("smtpd: http: %w", err))
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("smtpd: SMTP on %s (tls %s, auth %t), messages at http://%s/messages", s.Addr(), *mode, *user != "", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutdown)
	_ = s.Close()
}
