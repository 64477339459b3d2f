// Command authd runs the authentication service; `authd --help` lists its settings.
package main

import (
	"errors"
	"fmt"
	"os"

	"go.uber.org/fx"

	"github.com/authd/authd/app"
)

func main() {
	cfg, err := app.LoadConfig(os.Args[1:], os.Getenv, os.Stderr)
	switch {
	case app.IsVersionRequest(err):
		fmt.Println(app.Version())
		return
	case errors.Is(err, app.ErrHelp):
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "authd:", err)
		os.Exit(2)
	}
	fx.New(app.Module(cfg)).Run()
}
