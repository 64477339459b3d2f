package app

import "go.uber.org/dig"

// StartCause is what an operator needs of an error from starting the app: its cause, without the
// chain of constructors fx and dig wrap it in ("AUTHD_JWT_SECRET is 5 bytes; it must be at least 32",
// "http: listen on 127.0.0.1:8080: bind: address already in use").
func StartCause(err error) error { return dig.RootCause(err) }
