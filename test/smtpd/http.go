package smtpd

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Handler serves what the server took, and its outage switch, to tests that cannot call it:
//
//	GET    /messages[?to=ADDR][&wait=N[&timeout=10s]]  messages as JSON; with wait, once there are N (or at timeout, at most 60s)
//	DELETE /messages                                   Reset
//	POST   /down, POST /up                             Down, Up
//	GET    /ca.pem                                     CAPEM (404 without TLS)
//	GET    /healthz                                    200 once serving
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		to := q.Get("to")
		msgs := s.Messages()
		if to != "" {
			msgs = s.To(to)
		}
		if q.Has("wait") {
			n, err := strconv.Atoi(q.Get("wait"))
			if err != nil || n < 0 {
				http.Error(w, "wait: a count of messages", http.StatusBadRequest)
				return
			}
			timeout := 10 * time.Second
			if q.Has("timeout") {
				if timeout, err = time.ParseDuration(q.Get("timeout")); err != nil || timeout <= 0 {
					http.Error(w, "timeout: a duration such as 5s", http.StatusBadRequest)
					return
				}
			}
			ctx, cancel := context.WithTimeout(r.Context(), min(timeout, time.Minute))
			defer cancel()
			if to != "" {
				msgs, _ = s.Wait(ctx, to, n)
			} else {
				msgs, _ = s.waitAll(ctx, n)
			}
		}
		if msgs == nil {
			msgs = []Message{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(msgs)
	})
	mux.HandleFunc("DELETE /messages", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /down", func(w http.ResponseWriter, _ *http.Request) {
		s.Down()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /up", func(w http.ResponseWriter, _ *http.Request) {
		s.Up()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /ca.pem", func(w http.ResponseWriter, _ *http.Request) {
		if s.caPEM == nil {
			http.Error(w, "this server has no TLS", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.caPEM)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// waitAll returns every message once there are at least n, or what there is when ctx ends.
func (s *Server) waitAll(ctx context.Context, n int) ([]Message, error) {
	for {
		ch := s.watch()
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return msgs, ctx.Err()
		}
	}
}
